namespace Microsoft.ML.FunctionalDnn;

/// <summary>Running sums of losses weighted by batch size, for epoch averages.</summary>
internal sealed class LossSums(int outputs)
{
    private readonly double[] _outputs = new double[outputs];
    private double _total;
    private long _count;

    internal void Add(float total, float[] perOutput, int samples)
    {
        _total += (double)total * samples;
        for (int i = 0; i < perOutput.Length; i++) _outputs[i] += (double)perOutput[i] * samples;
        _count += samples;
    }

    internal float Mean => _count == 0 ? 0 : (float)(_total / _count);

    internal float OutputMean(int o) => _count == 0 ? 0 : (float)(_outputs[o] / _count);
}
