using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// A functional model: the graph of layer calls between symbolic <see cref="Inputs"/> and
/// <see cref="Outputs"/>, as Keras's <c>keras.Model(inputs, outputs)</c>. A model is a layer:
/// calling it on new symbolic tensors reuses its weights (nested models, shared towers), and
/// calling it on concrete tensors runs the graph.
/// </summary>
[Visualization.TypeFormatterSource(typeof(Visualization.NotebookFormatterSource), PreferredMimeTypes = ["text/html"])]
public partial class Model : Layer
{
    private List<Node> _nodes = [];
    private List<Layer> _layers = [];
    private (Layer Layer, LayerWeight Weight)[]? _distinctWeights;

    /// <summary>A model with one input and one output.</summary>
    public Model(SymbolicTensor input, SymbolicTensor output, string? name = null)
        : this([input ?? throw new ArgumentNullException(nameof(input))], [output ?? throw new ArgumentNullException(nameof(output))], null, name)
    {
    }

    /// <summary>A model with inputs and outputs in the given order (the order data is fed and results come back).</summary>
    public Model(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs, string? name = null)
        : this(inputs, outputs, null, name)
    {
    }

    /// <summary>A model with one input and several outputs.</summary>
    public Model(SymbolicTensor input, IReadOnlyList<SymbolicTensor> outputs, string? name = null)
        : this([input ?? throw new ArgumentNullException(nameof(input))], outputs, null, name)
    {
    }

    /// <summary>A model with several inputs and one output.</summary>
    public Model(IReadOnlyList<SymbolicTensor> inputs, SymbolicTensor output, string? name = null)
        : this(inputs, [output ?? throw new ArgumentNullException(nameof(output))], null, name)
    {
    }

    /// <summary>
    /// A model whose outputs are named by the dictionary's keys (the names losses, metrics and
    /// predictions use); inputs keep their own names.
    /// </summary>
    public Model(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyDictionary<string, SymbolicTensor> outputs, string? name = null)
        : this(inputs, [.. (outputs ?? throw new ArgumentNullException(nameof(outputs))).Values], [.. outputs.Keys], name)
    {
    }

    /// <summary>A model whose inputs are given by name (each key must be its Input's name) and one output.</summary>
    public Model(IReadOnlyDictionary<string, SymbolicTensor> inputs, SymbolicTensor output, string? name = null)
        : this(NamedInputs(inputs), [output ?? throw new ArgumentNullException(nameof(output))], null, name)
    {
    }

    /// <summary>A model whose inputs are given by name (each key must be its Input's name) and whose outputs are named by their keys.</summary>
    public Model(IReadOnlyDictionary<string, SymbolicTensor> inputs, IReadOnlyDictionary<string, SymbolicTensor> outputs, string? name = null)
        : this(NamedInputs(inputs), [.. (outputs ?? throw new ArgumentNullException(nameof(outputs))).Values], [.. outputs.Keys], name)
    {
    }

    private static SymbolicTensor[] NamedInputs(IReadOnlyDictionary<string, SymbolicTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var (key, tensor) in inputs)
        {
            if (key != tensor.Layer.Name)
                throw new ArgumentException($"The input keyed '{key}' comes from the Input named '{tensor.Layer.Name}'; data is fed by Input name, so create it with Input(shape, name: \"{key}\").", nameof(inputs));
        }
        return [.. inputs.Values];
    }

    private Model(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs, string[]? outputNames, string? name) : base(name)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        SetGraph(inputs, outputs, outputNames);
        MarkBuilt();
    }

    /// <summary>For models that assemble their graph later (<see cref="Sequential"/>).</summary>
    private protected Model(string? name) : base(name)
    {
    }

    /// <summary>Maps the graph between <paramref name="inputs"/> and <paramref name="outputs"/> and checks it.</summary>
    private protected void SetGraph(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs, string[]? outputNames = null)
    {
        if (inputs.Count == 0) throw Error("needs at least one input.");
        if (outputs.Count == 0) throw Error("needs at least one output.");
        var nodes = GraphMapper.TopologicalNodes(this, inputs, outputs);
        var layers = GraphMapper.Layers(inputs, nodes);
        CheckUniqueNames(layers);
        (Inputs, Outputs, _nodes, _layers) = ([.. inputs], [.. outputs], nodes, layers);
        _distinctWeights = null;
        InputNames = [.. Inputs.Select(t => t.Layer.Name)];
        OutputNames = outputNames ?? [.. Outputs.Select(t => t.Layer.Name)];
    }

    /// <inheritdoc/>
    public override string ClassName => "Functional";

    /// <inheritdoc/>
    protected override string DefaultNameBase => "model";

    /// <summary>The graph inputs, in the order data is fed.</summary>
    public IReadOnlyList<SymbolicTensor> Inputs { get; private set; } = [];

    /// <summary>The graph outputs, in the order results come back.</summary>
    public IReadOnlyList<SymbolicTensor> Outputs { get; private set; } = [];

    /// <summary>The names of the inputs (their Input layers' names), for feeding data by name.</summary>
    public IReadOnlyList<string> InputNames { get; private set; } = [];

    /// <summary>The names of the outputs (the producing layers' names, or the dictionary keys), for per-output losses and metrics.</summary>
    public IReadOnlyList<string> OutputNames { get; private set; } = [];

    /// <summary>Every layer of the graph once, Input layers first, then in the order they run.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>The layer called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such layer; the message lists the existing names.</exception>
    public Layer GetLayer(string name) =>
        _layers.FirstOrDefault(l => l.Name == name)
        ?? throw new ArgumentException($"No such layer: '{name}'. Existing layers are: [{string.Join(", ", _layers.Select(l => l.Name))}].", nameof(name));

    /// <summary>The layer at <paramref name="index"/> of <see cref="Layers"/>.</summary>
    public Layer GetLayer(int index) =>
        (uint)index < (uint)_layers.Count ? _layers[index]
        : throw new ArgumentOutOfRangeException(nameof(index), $"Model '{Name}' has {_layers.Count} layers; index {index} is out of range.");

    /// <summary>Every distinct weight of every layer (a shared layer's weights once), trainable first.</summary>
    public override IReadOnlyList<LayerWeight> Weights
    {
        get
        {
            // The graph's layers are built once it exists; only the Trainable flags can change later.
            _distinctWeights ??= DistinctWeights();
            var all = _distinctWeights.Select(x => x.Weight with { Trainable = x.Weight.Trainable && x.Layer.Trainable && Trainable }).ToList();
            return [.. all.Where(w => w.Trainable), .. all.Where(w => !w.Trainable)];
        }
    }

    /// <summary>
    /// Keras's summary table (see the notes): layers with output shapes and parameter counts, and
    /// for graphs the inbound connections; then the totals. Also printed when <paramref name="print"/>.
    /// </summary>
    public string Summary(bool print = false)
    {
        RequireGraph();
        string text = ModelSummary.Render(this, HideInputsInSummary);
        if (print) Console.Write(text);
        return text;
    }

    /// <summary>The summary table as HTML (what a notebook shows for a model).</summary>
    internal string SummaryHtml()
    {
        RequireGraph();
        return ModelSummary.RenderHtml(this, HideInputsInSummary);
    }

    /// <summary>Throws when the graph does not exist yet (a Sequential model waiting for its input shape); the trainer, saving and plotting call it first.</summary>
    internal virtual void RequireGraph()
    {
    }

    /// <summary>Sequential models leave the Input row out of their summary, as Keras does.</summary>
    private protected virtual bool HideInputsInSummary => false;

    private (Layer, LayerWeight)[] DistinctWeights()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        return [.. _layers.SelectMany(l => l.Weights.Select(w => (l, w))).Where(x => seen.Add(x.w.Value))];
    }

    /// <summary>The nodes of this model's graph in execution order.</summary>
    internal IReadOnlyList<Node> Nodes => _nodes;

    private void CheckUniqueNames(List<Layer> layers)
    {
        var duplicate = layers.GroupBy(l => l.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw Error($"the name \"{duplicate.Key}\" is used {duplicate.Count()} times in the model. All layer names should be unique; pass a different name to one of them.");
    }

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<TensorShape> inputShapes)
    {
    }

    /// <inheritdoc/>
    protected override DType OutputDType(IReadOnlyList<DType> inputTypes) => Outputs[0].DType;
}
