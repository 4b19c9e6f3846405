using Microsoft.ML.FunctionalDnn.TensorBoardProtos;

namespace Microsoft.ML.FunctionalDnn.Summaries;

/// <summary>TensorBoard's HistogramProto from raw values: equal-width buckets from the minimum to the maximum.</summary>
internal static class HistogramBuilder
{
    internal static HistogramProto Build(ReadOnlySpan<float> values, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, squares = 0;
        long count = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            count++;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
            squares += (double)v * v;
        }
        var h = new HistogramProto { Num = count, Sum = sum, SumSquares = squares };
        if (count == 0) return h;
        h.Min = min;
        h.Max = max;
        if (max == min)
        {
            // One bucket holding every value; its right edge is the value itself.
            h.BucketLimit.Add(max);
            h.Bucket.Add(count);
            return h;
        }
        // Bucket i covers (limit[i-1], limit[i]]; the first also takes the minimum itself.
        double width = (max - min) / buckets;
        var counts = new double[buckets];
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            int i = (int)Math.Ceiling((v - min) / width) - 1;
            counts[Math.Clamp(i, 0, buckets - 1)]++;
        }
        for (int i = 0; i < buckets; i++)
        {
            h.BucketLimit.Add(i == buckets - 1 ? max : min + (i + 1) * width);
            h.Bucket.Add(counts[i]);
        }
        return h;
    }
}
