using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Saving.Onnx;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// Turns fitted FunctionalDnn transformers into ML.NET's own transformers — the network as an ONNX file
/// run by ML.NET's OnnxTransformer (Microsoft.ML.OnnxTransformer), the predicted labels by
/// MapValueToKey and ConvertType — so a pipeline saved with <c>mlContext.Model.Save</c> loads and
/// predicts in an application that references Microsoft.ML, Microsoft.ML.OnnxTransformer and
/// Microsoft.ML.OnnxRuntime only. ML.NET's ConvertToOnnx cannot do this (its ONNX context is internal
/// to ML.NET), hence our exporter (Saving/Onnx/OnnxExporter.Rows.cs writes the per-row graph).
/// </summary>
public static class OnnxDeployment
{
    /// <summary>
    /// The ML.NET transformers that compute what <paramref name="transformer"/> computes: the network
    /// exported to <paramref name="onnxPath"/> and run by ML.NET's <c>ApplyOnnxModel</c> (one row at a
    /// time), the same output columns — values, predicted labels (keys with the label's values), raw
    /// scores — with the same names and types.
    /// </summary>
    /// <param name="transformer">A fitted FunctionalDnn transformer.</param>
    /// <param name="mlContext">The context to build ML.NET's transformers in.</param>
    /// <param name="input">Data with the schema the transformer reads (only the schema is used).</param>
    /// <param name="onnxPath">Where the ONNX file goes (ML.NET's saved model embeds it).</param>
    /// <param name="opset">The ONNX operator set, 13 to 21.</param>
    /// <exception cref="NotSupportedException">Something ML.NET's OnnxTransformer cannot express (the message says what and what to do).</exception>
    public static ITransformer ToOnnxTransformer(this FunctionalDnnTransformer transformer, MLContext mlContext, IDataView input, string onnxPath, int opset = 17)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        var ml = mlContext;
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        var bindings = transformer.BindInputs(input.Schema);
        var rowInputs = new List<OnnxExporter.RowInput>();
        IEstimator<ITransformer>? before = null;
        var temporary = new List<string>();
        foreach (var binding in bindings)
        {
            var item = binding.Column.Type is VectorDataViewType vector ? vector.ItemType : binding.Column.Type;
            string column = binding.Column.Name;
            bool key = item is KeyDataViewType { RawType: var raw } && raw == typeof(uint);
            bool matches = key || (binding.DType == DType.Float32 ? item == NumberDataViewType.Single : item == NumberDataViewType.Int32);
            if (!matches)
            {
                if (item is KeyDataViewType)
                    throw new NotSupportedException($"The {binding.Where} holds keys of {item.RawType.Name}; ONNX deployment reads uint32 keys (MapValueToKey's). Convert the column with mlContext.Transforms.Conversion.ConvertType(…, DataKind.UInt32).");
                // Other numbers and booleans: ML.NET's own conversion to the input's element type, into a column of its own.
                string converted = $"{column}__onnx_input";
                var convert = ml.Transforms.Conversion.ConvertType(converted, column, binding.DType == DType.Int32 ? DataKind.Int32 : DataKind.Single);
                before = before is null ? convert : before.Append(convert);
                temporary.Add(converted);
                column = converted;
            }
            rowInputs.Add(new OnnxExporter.RowInput(column, key, binding.IsSequence, binding.Padding, binding.Truncating));
        }

        var rowOutputs = new List<OnnxExporter.RowOutput>();
        var after = new List<IEstimator<ITransformer>>();
        foreach (var output in transformer.Settings.Outputs)
        {
            if (output.IsVariable)
                throw new NotSupportedException($"Output column '{output.Column}' has an axis whose length depends on the input (a sequence of unknown length); ML.NET's OnnxTransformer types a column from the graph's fixed shapes, so it cannot be deployed this way. Fix the input's length in the model.");
            string? index = null;
            if (output.Kind == PredictedLabelKind.Key)
            {
                // The graph gives the 1-based class index (uint32); ML.NET's own transforms make it the key.
                // (OnnxTransformer cannot read string tensors back, so the labels are mapped here, not in the graph.)
                index = $"{output.PredictedLabelColumn}__onnx_key";
                temporary.Add(index);
                if (output.Keys is { ItemType: TextDataViewType } keys)
                {
                    // Index → label text (MapValue), then text → key over the labels in key order (MapValueToKey with keyData), so the
                    // key carries the labels as its values and MapKeyToValue works after it. (MapValue's own treatValuesAsKeyType gives
                    // a vector of plain uint32 with a mismatched KeyValues annotation in ML.NET 5.0.1.)
                    string text = $"{output.PredictedLabelColumn}__onnx_label";
                    temporary.Add(text);
                    var pairs = keys.Values.Select((label, k) => new KeyValuePair<uint, ReadOnlyMemory<char>>((uint)k + 1, label.AsMemory()));
                    after.Add(ml.Transforms.Conversion.MapValue(text, pairs, index));
                    var labels = ml.Data.LoadFromEnumerable(keys.Values.Select(v => new LabelRow { Label = v }));
                    after.Add(ml.Transforms.Conversion.MapValueToKey(output.PredictedLabelColumn!, text, keyData: labels));
                }
                else if (output.Keys is null)
                {
                    // A key of the same count: MapValueToKey over 1 … N (ML.NET's ConvertType to a key type is internal).
                    var keyData = ml.Data.LoadFromEnumerable(Enumerable.Range(1, output.KeyCount).Select(k => new IndexRow { Index = (uint)k }));
                    after.Add(ml.Transforms.Conversion.MapValueToKey(output.PredictedLabelColumn!, index, keyData: keyData));
                }
                else
                    throw new NotSupportedException($"The predicted label '{output.PredictedLabelColumn}' is a key over {output.Keys.ItemType} values; ONNX deployment rebuilds keys over text labels (MapValueToKey on a text column) or plain class indices. Map the label from text.");
            }
            rowOutputs.Add(new OnnxExporter.RowOutput(output.Column, output.IsScalar ? [] : output.Dims, output.Logits,
                output.Kind == PredictedLabelKind.Boolean ? output.PredictedLabelColumn : null, output.RawScoreColumn, index));
        }

        var proto = OnnxExporter.BuildForRows(transformer.Predictor, opset, rowInputs, rowOutputs);
        string path = Path.GetFullPath(onnxPath);
        OnnxExporter.Write(proto, path);

        string[] onnxOutputs = [.. proto.Graph.Output.Select(o => o.Name)];
        string[] onnxInputs = [.. rowInputs.Select(i => i.Column)];
        IEstimator<ITransformer> pipeline = ml.Transforms.ApplyOnnxModel(onnxOutputs, onnxInputs, path);
        if (before is not null) pipeline = before.Append(pipeline);
        foreach (var step in after) pipeline = pipeline.Append(step);
        if (temporary.Count > 0) pipeline = pipeline.Append(ml.Transforms.DropColumns([.. temporary]));
        return pipeline.Fit(input);
    }

    /// <summary>
    /// A fitted pipeline with every FunctionalDnn transformer replaced by <see cref="ToOnnxTransformer"/>'s
    /// ML.NET transformers (each network written as <c>&lt;model name&gt;.onnx</c> into <paramref name="directory"/>),
    /// the other transformers kept: save it with <c>mlContext.Model.Save</c>, and an application without
    /// Microsoft.ML.FunctionalDnn loads it and predicts the same.
    /// </summary>
    /// <param name="catalog"><c>mlContext.FunctionalDnn()</c>.</param>
    /// <param name="fitted">The fitted pipeline (a TransformerChain, or a single FunctionalDnn transformer).</param>
    /// <param name="input">Data with the pipeline's input schema (only the schema is used).</param>
    /// <param name="directory">Where the ONNX files go.</param>
    /// <param name="opset">The ONNX operator set, 13 to 21.</param>
    /// <exception cref="ArgumentException">The pipeline holds no FunctionalDnn transformer.</exception>
    public static TransformerChain<ITransformer> ToOnnxPipeline(this FunctionalDnnCatalog catalog, ITransformer fitted, IDataView input, string directory, int opset = 17)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var ml = catalog.Context;
        ArgumentNullException.ThrowIfNull(fitted);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var steps = new List<ITransformer>();
        var data = input;
        int count = 0;
        foreach (var transformer in Flatten(fitted))
        {
            var step = transformer is FunctionalDnnTransformer dnn
                ? ToOnnxTransformer(dnn, ml, data, Path.Combine(directory, count++ == 0 ? $"{dnn.Model.Name}.onnx" : $"{dnn.Model.Name}_{count}.onnx"), opset)
                : transformer;
            steps.Add(step);
            data = step.Transform(data);
        }
        if (count == 0) throw new ArgumentException("The pipeline holds no FunctionalDnn transformer: there is nothing to turn into ONNX.", nameof(fitted));
        return new TransformerChain<ITransformer>([.. steps]);
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];

    private sealed class LabelRow
    {
        public string Label { get; set; } = "";
    }

    private sealed class IndexRow
    {
        public uint Index { get; set; }
    }
}
