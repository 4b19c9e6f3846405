namespace Microsoft.ML.FunctionalDnn.Initializers;

/// <summary>
/// Creates a weight's initial values from the layer's generator. The static members are Keras's
/// built-in initializers, with Keras's defaults; a string converts by Keras name
/// (<c>"glorot_uniform"</c>, <c>"zeros"</c> …). The built-in ones draw their values on the host
/// and copy them into a tensor, so a seed gives the same initial weights on every backend.
/// </summary>
public abstract class Initializer
{
    /// <summary>Keras's name for the initializer.</summary>
    public abstract string Name { get; }

    /// <summary>A new tensor of <paramref name="shape"/> filled by this initializer.</summary>
    public abstract Tensor Create(Shape shape, RandomGenerator random);

    /// <summary>
    /// True when every <see cref="Create"/> returns a tensor nobody else holds, so the weight can
    /// keep it rather than a copy (the built-in initializers); a user's initializer may return a
    /// tensor it keeps, so its result is copied.
    /// </summary>
    internal virtual bool CreatesFreshTensors => false;

    /// <summary>All zeros (Keras's default for biases).</summary>
    public static Initializer Zeros { get; } = new ConstantInitializer("zeros", 0);

    /// <summary>All ones (BatchNormalization's gamma).</summary>
    public static Initializer Ones { get; } = new ConstantInitializer("ones", 1);

    /// <summary>Uniform in ±√(6 / (fan_in + fan_out)) (Keras's default for kernels).</summary>
    public static Initializer GlorotUniform { get; } = new VarianceScalingInitializer("glorot_uniform", 1, FanMode.Average, normal: false);

    /// <summary>Truncated-free normal with variance 2 / (fan_in + fan_out).</summary>
    public static Initializer GlorotNormal { get; } = new VarianceScalingInitializer("glorot_normal", 1, FanMode.Average, normal: true);

    /// <summary>Uniform in ±√(6 / fan_in), for ReLU networks.</summary>
    public static Initializer HeUniform { get; } = new VarianceScalingInitializer("he_uniform", 2, FanMode.In, normal: false);

    /// <summary>A (semi-)orthogonal matrix (Keras's default for recurrent kernels).</summary>
    public static Initializer Orthogonal { get; } = new OrthogonalInitializer();

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>) (Keras's embedding default is ±0.05).</summary>
    public static Initializer RandomUniform(float min = -0.05f, float max = 0.05f) => new RandomUniformInitializer(min, max);

    /// <summary>The initializer with Keras name <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static Initializer FromName(string name) => name switch
    {
        "zeros" => Zeros,
        "ones" => Ones,
        "glorot_uniform" => GlorotUniform,
        "glorot_normal" => GlorotNormal,
        "he_uniform" => HeUniform,
        "orthogonal" => Orthogonal,
        "random_uniform" or "uniform" => RandomUniform(),
        _ => throw new ArgumentException($"Unknown initializer '{name}'. Known: zeros, ones, glorot_uniform, glorot_normal, he_uniform, orthogonal, random_uniform.", nameof(name)),
    };

    /// <summary>Converts a Keras initializer name.</summary>
    public static implicit operator Initializer(string name) => FromName(name);

    /// <summary>Keras's fan computation: the last two axes are (in, out), earlier ones the receptive field.</summary>
    internal static (double FanIn, double FanOut) Fans(Shape shape)
    {
        if (shape.Rank == 0) return (1, 1);
        if (shape.Rank == 1) return (shape[0], shape[0]);
        double receptive = shape.SizeOf(0, shape.Rank - 2);
        return (shape[-2] * receptive, shape[-1] * receptive);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
