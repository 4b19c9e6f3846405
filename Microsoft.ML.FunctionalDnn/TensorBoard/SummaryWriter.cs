using Google.Protobuf;
using Microsoft.ML.FunctionalDnn.TensorBoardProtos;

namespace Microsoft.ML.FunctionalDnn.Summaries;

/// <summary>
/// Writes scalars, histograms, text and model graphs to a TensorBoard run directory, the way
/// <c>tf.summary</c> and PyTorch's <c>SummaryWriter</c> do: point <c>tensorboard --logdir</c> at the
/// directory (or a parent of several runs) to see them. Usable on its own, outside <c>Fit</c>.
/// </summary>
/// <example>
/// <code>
/// using var writer = new SummaryWriter("logs/experiment1");
/// for (int step = 0; step &lt; 100; step++) writer.Scalar("loss", Math.Exp(-step / 30.0), step);
/// writer.Histogram("weights", model.Layers[1].Weights[0].Value, step: 0);
/// writer.Text("notes", "first run with dropout 0.2", step: 0);
/// </code>
/// </example>
public sealed class SummaryWriter : IDisposable
{
    private readonly EventFileWriter _file;
    private readonly HashSet<string> _describedTags = [];

    /// <summary>Creates <paramref name="logDir"/> if needed and starts a new event file in it.</summary>
    /// <exception cref="IOException">The directory cannot be created or written to.</exception>
    public SummaryWriter(string logDir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logDir);
        LogDir = Path.GetFullPath(logDir);
        _file = new EventFileWriter(LogDir);
    }

    /// <summary>The run directory.</summary>
    public string LogDir { get; }

    /// <summary>The event file being written.</summary>
    public string FilePath => _file.FilePath;

    /// <summary>One point of the scalar curve <paramref name="tag"/> ('/' groups tags into sections).</summary>
    public void Scalar(string tag, double value, long step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        Write(step, new Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
    }

    /// <summary>A histogram of <paramref name="values"/> in <paramref name="buckets"/> equal-width buckets between their minimum and maximum; non-finite values are left out.</summary>
    public void Histogram(string tag, ReadOnlySpan<float> values, long step, int buckets = 30)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        Write(step, new Summary.Types.Value { Tag = tag, Histo = HistogramBuilder.Build(values, buckets) });
    }

    /// <summary>A histogram of a tensor's values (a layer's kernel, activations).</summary>
    public void Histogram(string tag, Tensor values, long step, int buckets = 30)
    {
        ArgumentNullException.ThrowIfNull(values);
        var floats = values.DType == DType.Float32 ? values : Ops.Cast(values, DType.Float32);
        Histogram(tag, floats.ToArray(), step, buckets);
    }

    /// <summary>Markdown text shown in the Text dashboard.</summary>
    public void Text(string tag, string text, long step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        ArgumentNullException.ThrowIfNull(text);
        var tensor = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto() };
        tensor.StringVal.Add(ByteString.CopyFromUtf8(text));
        Write(step, new Summary.Types.Value { Tag = tag, Tensor = tensor, Metadata = PluginMetadata(tag, "text", ByteString.Empty) });
    }

    /// <summary>
    /// The model's graph for the Graphs dashboard: the op graph (a node per layer, nested models as
    /// name scopes, calls as edges, output shapes on the edges) and, under the <c>keras</c> tag,
    /// the model's Keras config for the conceptual graph.
    /// </summary>
    public void Graph(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _file.Write(new Event { WallTime = EventFileWriter.WallTime(), GraphDef = ModelGraph.Build(model).ToByteString() });
        var tensor = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto() };
        tensor.StringVal.Add(ByteString.CopyFromUtf8(model.ToJson()));
        Write(0, new Summary.Types.Value { Tag = "keras", Tensor = tensor, Metadata = PluginMetadata("keras", "graph_keras_model", ByteString.CopyFromUtf8("1")) });
    }

    /// <summary>Writes buffered events to the disk.</summary>
    public void Flush() => _file.Flush();

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose() => _file.Dispose();

    private void Write(long step, Summary.Types.Value value)
    {
        var summary = new Summary();
        summary.Value.Add(value);
        _file.Write(new Event { WallTime = EventFileWriter.WallTime(), Step = step, Summary = summary });
    }

    /// <summary>Plugin metadata, attached to the first value of a tag only (as TensorFlow's writers do).</summary>
    private SummaryMetadata? PluginMetadata(string tag, string plugin, ByteString content)
    {
        lock (_describedTags)
        {
            if (!_describedTags.Add(tag)) return null;
        }
        return new SummaryMetadata { PluginData = new SummaryMetadata.Types.PluginData { PluginName = plugin, Content = content } };
    }
}
