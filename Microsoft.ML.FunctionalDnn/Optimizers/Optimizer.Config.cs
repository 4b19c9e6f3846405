using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;
using Microsoft.ML.FunctionalDnn.Saving;

namespace Microsoft.ML.FunctionalDnn.Optimizers;

public abstract partial class Optimizer
{
    /// <summary>The hyper-parameters under Keras's keys (learning_rate, rho, beta_1 …), for saving.</summary>
    internal Dictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?> { ["learning_rate"] = Schedule is null ? _learningRate : Schedule.Serialize() };
        foreach (var (key, value) in HyperParameters()) config[key] = value;
        if (Options.ClipNorm is float cn) config["clipnorm"] = cn;
        if (Options.GlobalClipNorm is float gcn) config["global_clipnorm"] = gcn;
        if (Options.ClipValue is float cv) config["clipvalue"] = cv;
        if (Options.WeightDecay is float wd) config["weight_decay"] = wd;
        return config;
    }

    /// <summary>The optimizer's own hyper-parameters.</summary>
    private protected abstract IEnumerable<KeyValuePair<string, object?>> HyperParameters();

    /// <summary>Recreates an optimizer saved with <see cref="GetConfig"/>, its learning-rate schedule included.</summary>
    internal static Optimizer FromConfig(string name, ConfigReader c)
    {
        var schedule = c.Has("learning_rate") && c.Element.GetProperty("learning_rate").ValueKind == System.Text.Json.JsonValueKind.Object
            ? LearningRateSchedule.Deserialize(c.Sub("learning_rate", "the optimizer's learning_rate"))
            : null;
        float lr = schedule?.At(0) ?? c.Float("learning_rate");
        var options = new OptimizerOptions
        {
            ClipNorm = c.Has("clipnorm") ? c.Float("clipnorm") : null,
            GlobalClipNorm = c.Has("global_clipnorm") ? c.Float("global_clipnorm") : null,
            ClipValue = c.Has("clipvalue") ? c.Float("clipvalue") : null,
            WeightDecay = c.Has("weight_decay") ? c.Float("weight_decay") : null,
        };
        return name switch
        {
            "sgd" => new Sgd(lr, c.Float("momentum"), c.Bool("nesterov"), schedule, options),
            "rmsprop" => new RmsProp(lr, c.Float("rho"), c.Float("momentum"), c.Float("epsilon"), schedule, options),
            "adam" => new Adam(lr, c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon"), schedule, options),
            "adamw" => new AdamW(lr, options.WeightDecay ?? 0.004f, c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon"), schedule, options),
            "adagrad" => new Adagrad(lr, c.Float("initial_accumulator_value"), c.Float("epsilon"), schedule, options),
            "adadelta" => new Adadelta(lr, c.Float("rho"), c.Float("epsilon"), schedule, options),
            "nadam" => new Nadam(lr, c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon"), schedule, options),
            _ => throw c.Bad($"names optimizer '{name}', which is not built in"),
        };
    }

    /// <summary>The optimizer with Keras name <paramref name="name"/> and Keras's defaults.</summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static Optimizer FromName(string name) => name?.ToLowerInvariant() switch
    {
        "sgd" => new Sgd(),
        "rmsprop" => new RmsProp(),
        "adam" => new Adam(),
        "adamw" => new AdamW(),
        "adagrad" => new Adagrad(),
        "adadelta" => new Adadelta(),
        "nadam" => new Nadam(),
        _ => throw new ArgumentException($"Unknown optimizer '{name}'. Known: sgd, rmsprop, adam, adamw, adagrad, adadelta, nadam.", nameof(name)),
    };

    /// <summary>Converts a Keras optimizer name.</summary>
    public static implicit operator Optimizer(string name) => FromName(name);
}
