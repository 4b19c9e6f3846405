using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// The model's outputs for the rows of one batch, served one row at a time through ML.NET getters:
/// an output's values (a Single or a vector of Single) and its predicted label (the most probable
/// class as a key, 1-based; a single unit above 0.5 — above 0 for a logit — as the second class or as true).
/// </summary>
internal sealed class BatchPredictions(FunctionalDnnTransformer transformer)
{
    private float[][] _values = [];
    private int _rows;

    /// <summary>The row whose values the getters give.</summary>
    internal int Row { get; set; }

    /// <summary>Predicts the batch held by <paramref name="inputs"/>.</summary>
    internal void Run(IReadOnlyList<ColumnBatch> inputs)
    {
        _rows = inputs[0].Count;
        // The batch's tensors and the outputs end here, once the values are on the host.
        using (TensorScope.Begin())
            _values = transformer.Predict([.. inputs.Select(b => b.ToTensor())]);
        Row = 0;
    }

    private ReadOnlySpan<float> Values(int output)
    {
        int size = _values[output].Length / _rows;
        return _values[output].AsSpan(Row * size, size);
    }

    /// <summary>The getter of added column <paramref name="added"/> (an index into the transformer's added columns).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not the column's type.</exception>
    internal ValueGetter<T> Getter<T>(int added, string column)
    {
        var (o, role) = transformer.AddedColumns[added];
        var output = transformer.Settings.Outputs[o];
        Delegate getter = role == ColumnRole.PredictedLabel
            ? output.Kind == PredictedLabelKind.Boolean ? (ValueGetter<bool>)((ref bool v) => v = Positive(Values(o)[0], output.Logits)) : (ValueGetter<uint>)((ref uint v) => v = PredictedKey(Values(o), output.Logits))
            : role == ColumnRole.RawScore ? (ValueGetter<float>)((ref float v) => v = output.Logits ? Values(o)[0] : Logit(Values(o)[0]))
            : output.IsScalar ? (ValueGetter<float>)((ref float v) => v = Values(o)[0])
            : (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
            {
                var values = Values(o);
                var editor = VBufferEditor.Create(ref v, values.Length);
                values.CopyTo(editor.Values);
                v = editor.Commit();
            });
        return getter as ValueGetter<T> ?? throw new InvalidOperationException(
            $"Column '{column}' holds {(role == ColumnRole.PredictedLabel ? output.PredictedLabelType : role == ColumnRole.RawScore ? NumberDataViewType.Single : output.Type)}; a getter of {typeof(T).Name} was asked for.");
    }

    /// <summary>ln(p / (1 − p)), with p kept within Keras's epsilon (1e-7) of 0 and 1 so the score stays finite.</summary>
    private static float Logit(float probability)
    {
        double p = Math.Clamp(probability, 1e-7, 1 - 1e-7);
        return (float)Math.Log(p / (1 - p));
    }

    /// <summary>A single unit's verdict: a probability above 0.5, or a logit (a loss with from_logits) above 0.</summary>
    private static bool Positive(float value, bool logits) => logits ? value > 0 : value > 0.5f;

    private static uint PredictedKey(ReadOnlySpan<float> scores, bool logits)
    {
        if (scores.Length == 1) return Positive(scores[0], logits) ? 2u : 1u;
        int best = 0;
        for (int k = 1; k < scores.Length; k++) if (scores[k] > scores[best]) best = k;
        return (uint)best + 1;
    }
}
