namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// An activation function as layers take it: one of <see cref="Activations"/>, or a Keras name
/// (<c>"relu"</c>, <c>"softmax"</c> …), which converts implicitly.
/// </summary>
public sealed class ActivationFunction
{
    private readonly Func<Tensor, Tensor> _function;

    /// <summary>A named activation; <paramref name="name"/> is what configs and summaries show.</summary>
    public ActivationFunction(string name, Func<Tensor, Tensor> function)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(function);
        Name = name;
        _function = function;
    }

    /// <summary>Keras's name (<c>relu</c>, <c>linear</c> …).</summary>
    public string Name { get; }

    /// <summary>Applies the function.</summary>
    public Tensor Invoke(Tensor x) => _function(x);

    /// <summary>Converts a Keras activation name (null means linear).</summary>
    public static implicit operator ActivationFunction(string? name) => Activations.FromName(name);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Keras's built-in activations.</summary>
public static class Activations
{
    /// <summary>The identity (the default of Dense and Conv layers).</summary>
    public static ActivationFunction Linear { get; } = new("linear", x => x);

    /// <summary>max(x, 0).</summary>
    public static ActivationFunction Relu { get; } = new("relu", Ops.Relu);

    /// <summary>Softmax over the last axis.</summary>
    public static ActivationFunction Softmax { get; } = new("softmax", x => Ops.Softmax(x));

    /// <summary>Logistic sigmoid.</summary>
    public static ActivationFunction Sigmoid { get; } = new("sigmoid", Ops.Sigmoid);

    /// <summary>Hyperbolic tangent.</summary>
    public static ActivationFunction Tanh { get; } = new("tanh", Ops.Tanh);

    /// <summary>ELU with α = 1.</summary>
    public static ActivationFunction Elu { get; } = new("elu", x => Ops.Elu(x));

    /// <summary>SELU.</summary>
    public static ActivationFunction Selu { get; } = new("selu", Ops.Selu);

    /// <summary>GELU, exact (the default of <c>keras.activations.gelu</c>).</summary>
    public static ActivationFunction Gelu { get; } = new("gelu", x => Ops.Gelu(x, approximate: false));

    /// <summary>Softplus.</summary>
    public static ActivationFunction Softplus { get; } = new("softplus", Ops.Softplus);

    /// <summary>Softsign.</summary>
    public static ActivationFunction Softsign { get; } = new("softsign", Ops.Softsign);

    /// <summary>Swish (SiLU).</summary>
    public static ActivationFunction Swish { get; } = new("swish", Ops.Swish);

    /// <summary>Keras 3's hard sigmoid.</summary>
    public static ActivationFunction HardSigmoid { get; } = new("hard_sigmoid", Ops.HardSigmoid);

    /// <summary>Leaky ReLU with slope 0.2.</summary>
    public static ActivationFunction LeakyRelu { get; } = new("leaky_relu", x => Ops.LeakyRelu(x));

    private static readonly ActivationFunction[] s_all = [Linear, Relu, Softmax, Sigmoid, Tanh, Elu, Selu, Gelu, Softplus, Softsign, Swish, HardSigmoid, LeakyRelu];

    /// <summary>The activation with Keras name <paramref name="name"/> (null or empty means linear; <c>silu</c> is swish).</summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static ActivationFunction FromName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return Linear;
        string key = name == "silu" ? "swish" : name;
        return s_all.FirstOrDefault(a => a.Name == key)
            ?? throw new ArgumentException($"Unknown activation '{name}'. Known: {string.Join(", ", s_all.Select(a => a.Name))}.", nameof(name));
    }
}
