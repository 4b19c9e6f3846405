using System.Text.Json;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Saving;

/// <summary>
/// Recreates a layer from its saved class name and config: one explicit entry per built-in layer
/// (no reflection), and Lambda functions only from the caller's <c>customObjects</c>, so loading a
/// file never runs code that came from the file.
/// </summary>
internal static class LayerFactory
{
    internal static Layer Create(string className, ConfigReader c, IReadOnlyDictionary<string, Func<Tensor, Tensor>>? customObjects, string source, WeightBudget budget)
    {
        string name = c.String("name");
        Layer layer = className switch
        {
            "Dense" => new Dense(c.Int("units"), c.Activation(), c.Bool("use_bias"), c.Initializer("kernel_initializer"), c.Initializer("bias_initializer"), name),
            "Embedding" => new Embedding(c.Int("input_dim"), c.Int("output_dim"), c.Bool("mask_zero"), c.Initializer("embeddings_initializer"), name),
            "Activation" => new Activation(c.Activation(), name),
            "Dropout" => new Dropout(c.Float("rate"), name),
            "Flatten" => new Flatten(name),
            "Reshape" => new Reshape(c.Ints("target_shape"), name),
            "Permute" => new Permute(c.Ints("dims"), name),
            "RepeatVector" => new RepeatVector(c.Int("n"), name),
            "Lambda" => Lambda(c, customObjects, name),
            "Conv1D" => new Conv1D(c.Int("filters"), c.First("kernel_size"), c.First("strides"), c.Padding(), c.First("dilation_rate"), c.Activation(), c.Bool("use_bias"), name),
            "Conv2D" => new Conv2D(c.Int("filters"), c.Pair("kernel_size"), c.Pair("strides"), c.Padding(), c.Pair("dilation_rate"), c.Activation(), c.Bool("use_bias"), name),
            "DepthwiseConv2D" => new DepthwiseConv2D(c.First("kernel_size"), c.First("strides"), c.Padding(), c.Int("depth_multiplier"), c.Activation(), c.Bool("use_bias"), name),
            "SeparableConv1D" => new SeparableConv1D(c.Int("filters"), c.First("kernel_size"), c.First("strides"), c.Padding(), c.Int("depth_multiplier"), c.Activation(), c.Bool("use_bias"), name),
            "SeparableConv2D" => new SeparableConv2D(c.Int("filters"), c.First("kernel_size"), c.First("strides"), c.Padding(), c.Int("depth_multiplier"), c.Activation(), c.Bool("use_bias"), name),
            "Conv2DTranspose" => new Conv2DTranspose(c.Int("filters"), c.First("kernel_size"), c.First("strides"), c.Padding(), c.Activation(), c.Bool("use_bias"), name,
                c.Has("output_padding") ? c.First("output_padding") : null),
            "MaxPooling1D" => new MaxPooling1D(c.First("pool_size"), c.First("strides"), c.Padding(), name),
            "AveragePooling1D" => new AveragePooling1D(c.First("pool_size"), c.First("strides"), c.Padding(), name),
            "MaxPooling2D" => new MaxPooling2D(c.First("pool_size"), c.First("strides"), c.Padding(), name),
            "AveragePooling2D" => new AveragePooling2D(c.First("pool_size"), c.First("strides"), c.Padding(), name),
            "GlobalMaxPooling1D" => new GlobalMaxPooling1D(name),
            "GlobalAveragePooling1D" => new GlobalAveragePooling1D(name),
            "GlobalMaxPooling2D" => new GlobalMaxPooling2D(name),
            "GlobalAveragePooling2D" => new GlobalAveragePooling2D(name),
            "LSTM" => new Lstm(c.Int("units"), c.Bool("return_sequences"), c.Bool("return_state"), c.Bool("go_backwards"), c.Float("dropout"), c.Bool("use_bias"), name),
            "GRU" => new Gru(c.Int("units"), c.Bool("return_sequences"), c.Bool("return_state"), c.Bool("go_backwards"), c.Float("dropout"), c.Bool("use_bias"), name),
            "SimpleRNN" => new SimpleRnn(c.Int("units"), c.Bool("return_sequences"), c.Bool("return_state"), c.Bool("go_backwards"), c.Float("dropout"), c.Bool("use_bias"), name),
            "Bidirectional" => Bidirectional(c, customObjects, source, name, budget),
            "BatchNormalization" => new BatchNormalization(c.Int("axis"), c.Float("momentum"), c.Float("epsilon"), c.Bool("center"), c.Bool("scale"), name),
            "LayerNormalization" => new LayerNormalization(c.Float("epsilon"), c.Bool("center"), c.Bool("scale"), name),
            "Add" => new Add(name),
            "Subtract" => new Subtract(name),
            "Multiply" => new Multiply(name),
            "Average" => new Average(name),
            "WeightedAverage" => new WeightedAverage(name),
            "Maximum" => new Maximum(name),
            "Minimum" => new Minimum(name),
            "Concatenate" => new Concatenate(c.Int("axis"), name),
            "Dot" => new Dot(c.Pair("axes").Item1, c.Pair("axes").Item2, c.Bool("normalize"), name),
            "Functional" or "Sequential" => ModelLoader.FromConfig(c.Element, className, customObjects, source, budget),
            _ => throw c.Bad($"has class '{className}', which is not a built-in layer"),
        };
        if (c.Has("trainable")) layer.Trainable = c.Bool("trainable");
        return layer;
    }

    private static Lambda Lambda(ConfigReader c, IReadOnlyDictionary<string, Func<Tensor, Tensor>>? customObjects, string name)
    {
        string? function = c.OptionalString("function");
        if (function is null) throw c.Bad("is a Lambda without a function name; it was saved without functionName and cannot be loaded");
        if (customObjects is null || !customObjects.TryGetValue(function, out var f))
            throw c.Bad($"is a Lambda calling '{function}'; pass that function in customObjects under \"{function}\" (loading never runs code from the file)");
        return new Lambda(f, name: name, functionName: function);
    }

    private static Bidirectional Bidirectional(ConfigReader c, IReadOnlyDictionary<string, Func<Tensor, Tensor>>? customObjects, string source, string name, WeightBudget budget)
    {
        var inner = new ConfigReader(c.Object("layer"), name, source);
        var layer = Create(inner.String("class_name"), new ConfigReader(inner.Object("config"), name, source), customObjects, source, budget);
        if (layer is not RecurrentLayer recurrent) throw c.Bad($"wraps a {layer.ClassName}; Bidirectional needs LSTM, GRU or SimpleRNN");
        var mode = c.String("merge_mode") switch
        {
            "concat" => MergeMode.Concat,
            "sum" => MergeMode.Sum,
            "mul" => MergeMode.Mul,
            "ave" => MergeMode.Ave,
            var m => throw c.Bad($"has unknown merge_mode '{m}'"),
        };
        return new Bidirectional(recurrent, mode, name);
    }
}
