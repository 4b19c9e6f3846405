using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// The base of every layer, Keras's contract: the constructor stores and checks configuration;
/// <see cref="Build(IReadOnlyList{TensorShape})"/> creates the weights when the input shapes are
/// first known; <see cref="ComputeOutputShapes"/> serves graph building; <c>Call</c> does the
/// math. Users call a layer with <see cref="Apply(SymbolicTensor)"/> on symbolic tensors (which
/// records a call in the graph) or on concrete tensors (which computes at once). A layer called
/// several times keeps one set of weights, and backward sums the gradients of every call.
/// </summary>
public abstract partial class Layer
{
    private readonly List<LayerWeight> _weights = [];
    private readonly List<Node> _inboundNodes = [];
    private RandomGenerator? _random;

    /// <summary>Names the layer (automatically, Keras-style, when <paramref name="name"/> is null).</summary>
    protected Layer(string? name)
    {
        if (name is not null && string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A layer name cannot be empty.", nameof(name));
        Name = name ?? LayerNames.Unique(DefaultNameBase);
    }

    /// <summary>The layer's name, unique within a model.</summary>
    public string Name { get; private set; }

    /// <summary>Gives the layer another name (an ensemble's members must have distinct names).</summary>
    internal void Rename(string name) => Name = name;

    /// <summary>The class name shown in summaries, e.g. <c>Dense</c>.</summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>The base of automatic names: the class name in snake case (<c>dense</c>, <c>conv1d</c>).</summary>
    protected virtual string DefaultNameBase => LayerNames.SnakeCase(ClassName);

    /// <summary>When false, training leaves every weight of this layer unchanged.</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>True once the weights exist.</summary>
    public bool Built { get; private set; }

    /// <summary>Every weight, trainable first, in creation order.</summary>
    public virtual IReadOnlyList<LayerWeight> Weights => [.. _weights.Where(w => w.Trainable), .. _weights.Where(w => !w.Trainable)];

    /// <summary>The weights training updates (none when <see cref="Trainable"/> is false).</summary>
    public IReadOnlyList<Tensor> TrainableWeights => Trainable ? [.. Weights.Where(w => w.Trainable).Select(w => w.Value)] : [];

    /// <summary>The weights training does not update.</summary>
    public IReadOnlyList<Tensor> NonTrainableWeights => Trainable ? [.. Weights.Where(w => !w.Trainable).Select(w => w.Value)] : [.. Weights.Select(w => w.Value)];

    /// <summary>Copies of every weight's values, in <see cref="Weights"/> order (Keras's <c>get_weights</c>).</summary>
    public float[][] GetWeights() => [.. Weights.Select(w => w.Value.ToArray())];

    /// <summary>Sets every weight from copies in <see cref="Weights"/> order (Keras's <c>set_weights</c>).</summary>
    /// <exception cref="ArgumentException">The count or a size differs; the message names the weight.</exception>
    public void SetWeights(IReadOnlyList<float[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var weights = Weights;
        if (values.Count != weights.Count)
            throw new ArgumentException($"{Describe} has {weights.Count} weights; received {values.Count} arrays.", nameof(values));
        for (int i = 0; i < weights.Count; i++)
            if (values[i].Length != weights[i].Value.Size)
                throw new ArgumentException($"{Describe}: weight '{weights[i].Value.Name}' has {weights[i].Value.Size} values {weights[i].Value.Shape}; received {values[i].Length}.", nameof(values));
        for (int i = 0; i < weights.Count; i++) weights[i].Value.Assign(Tensor.FromArray(values[i], weights[i].Value.Shape));
    }

    /// <summary>The number of scalars in all weights.</summary>
    public long CountParams() => Weights.Sum(w => (long)w.Value.Size);

    /// <summary>The calls of this layer in graphs, in order (node index = position).</summary>
    internal IReadOnlyList<Node> InboundNodes => _inboundNodes;

    /// <summary>This layer's own generator (initializers, dropout), forked from the <see cref="SeedScope"/> when it was built.</summary>
    protected RandomGenerator Random => _random ??= SeedScope.NextGenerator();

    /// <summary>Restarts this layer's generator from <paramref name="seed"/> (Fit does this every epoch, so dropout masks depend only on the seed and the epoch).</summary>
    internal void Reseed(long seed) => _random = new RandomGenerator(seed);

    /// <summary>Creates a weight; call it from Build.</summary>
    protected Tensor AddWeight(string name, Shape shape, Initializer initializer, bool trainable = true)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        var initial = initializer.Create(shape, Random);
        if (initial.Shape != shape || initial.DType != DType.Float32)
            throw Error($"initializer '{initializer.Name}' returned {initial.DType} {initial.Shape} for weight '{name}'; expected Float32 {shape}.");
        var value = Backend.Current.CreateVariable(initial, trainable, takeOwnership: initializer.CreatesFreshTensors);
        value.Name = $"{Name}/{name}";
        _weights.Add(new LayerWeight(name, value, trainable));
        return value;
    }

    /// <summary>Creates the weights for inputs of these shapes. The default builds from the first shape.</summary>
    protected virtual void Build(IReadOnlyList<TensorShape> inputShapes) => Build(inputShapes[0]);

    /// <summary>Creates the weights for an input of this shape; layers without weights need not override.</summary>
    protected virtual void Build(TensorShape inputShape)
    {
    }

    /// <summary>The output shapes for inputs of these shapes; throws, naming this layer, when they cannot work.</summary>
    public virtual IReadOnlyList<TensorShape> ComputeOutputShapes(IReadOnlyList<TensorShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        RequireInputCount(inputShapes.Count, 1);
        return [ComputeOutputShape(inputShapes[0])];
    }

    /// <summary>The output shape for one input (single-input layers override this).</summary>
    public virtual TensorShape ComputeOutputShape(TensorShape inputShape) => inputShape;

    /// <summary>The type of the outputs; float32 unless a layer says otherwise.</summary>
    protected virtual DType OutputDType(IReadOnlyList<DType> inputTypes) => DType.Float32;

    /// <summary>The math on concrete tensors (multi-input or multi-output layers override this).</summary>
    protected internal virtual IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training)
    {
        RequireInputCount(inputs.Count, 1);
        return [Call(inputs[0], training)];
    }

    /// <summary>The math on one concrete tensor (single-input layers override this).</summary>
    protected virtual Tensor Call(Tensor input, bool training) =>
        throw new InvalidOperationException($"{Describe} takes a list of inputs; call it with Apply(list).");

    /// <summary>
    /// The layer's configuration with Keras's keys (<c>name</c>, <c>trainable</c>, then the
    /// constructor arguments such as <c>units</c>, <c>activation</c>), enough to recreate it.
    /// </summary>
    public IReadOnlyDictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?> { ["name"] = Name, ["trainable"] = Trainable };
        foreach (var (key, value) in ConfigEntries()) config[key] = value;
        return config;
    }

    /// <summary>The constructor arguments, by Keras key; layers with arguments override this.</summary>
    protected virtual IEnumerable<KeyValuePair<string, object?>> ConfigEntries() => [];

    /// <summary>Keras's padding name: <c>valid</c>, <c>same</c>, <c>causal</c>.</summary>
    private protected static string PaddingName(Padding padding) => padding.ToString().ToLowerInvariant();

    /// <summary><c>'dense_1' (Dense)</c>, for messages.</summary>
    protected internal string Describe => $"Layer '{Name}' ({ClassName})";

    /// <summary>An exception whose message starts with this layer's name and class.</summary>
    protected ArgumentException Error(string message) => new($"{Describe}: {message}");

    private void RequireInputCount(int received, int expected)
    {
        if (received != expected)
            throw Error($"expects {expected} input{(expected == 1 ? "" : "s")}; received {received}.");
    }

    /// <summary>Marks a layer whose weights already exist (a model assembled from built layers).</summary>
    private protected void MarkBuilt() => Built = true;

    internal void EnsureBuilt(IReadOnlyList<TensorShape> inputShapes)
    {
        if (Built) return;
        Build(inputShapes);
        Built = true;
    }
}
