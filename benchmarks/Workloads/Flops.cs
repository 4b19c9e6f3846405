namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

/// <summary>
/// Paper arithmetic of a workload, to set its sustained GFLOP/s beside the machine's FMA peak. Only
/// the products are counted — Dense, convolutions (positions × kernel size) and recurrent layers
/// (steps × (kernel + recurrent kernel)) — two flops per multiply-add; element-wise work, pooling
/// and the optimizer are left out. A training step is taken as three times the forward products
/// (forward, input gradient, weight gradient), which slightly overcounts the first layer, whose
/// input needs no gradient.
/// </summary>
internal static class Flops
{
    /// <summary>The flops a timed run of <paramref name="workload"/> does, for the model it built and its sample count.</summary>
    internal static double Of(ReferenceModels.Workload workload, Model? model, int samples) => workload.Timed switch
    {
        ReferenceModels.Task.Gemm => ReferenceModels.GemmRepeats * 2.0 * ReferenceModels.GemmSize * ReferenceModels.GemmSize * ReferenceModels.GemmSize,
        ReferenceModels.Task.Predict => ForwardPerSample(model!) * samples,
        _ => 3 * ForwardPerSample(model!) * samples * workload.Epochs,
    };

    /// <summary>Forward flops of one sample through <paramref name="model"/>: every call of every layer with a kernel (a shared layer counts once per call).</summary>
    internal static double ForwardPerSample(Model model)
    {
        double macs = 0;
        foreach (var layer in model.Layers)
        {
            if (layer is Model nested)
            {
                macs += ForwardPerSample(nested) / 2 * layer.InboundNodes.Count;
                continue;
            }
            var kernel = layer.Weights.FirstOrDefault(w => w.Name == "kernel")?.Value;
            if (kernel is null) continue;
            var recurrent = layer.Weights.FirstOrDefault(w => w.Name == "recurrent_kernel")?.Value;
            foreach (var node in layer.InboundNodes)
            {
                if (recurrent is not null)
                    macs += (double)(node.Inputs[0].Shape[1] ?? 1) * (kernel.Size + recurrent.Size);
                else
                    macs += (double)kernel.Size * PerSample(node.Outputs[0].Shape) / kernel.Shape[-1];
            }
        }
        return 2 * macs;
    }

    private static double PerSample(TensorShape shape)
    {
        double n = 1;
        for (int i = 1; i < shape.Count; i++) n *= shape[i] ?? 1;
        return n;
    }
}
