using System.Globalization;
using System.Text;

namespace Microsoft.ML.FunctionalDnn;

public sealed partial class Tensor
{
    private const int SummarizeAbove = 1000;
    private const int EdgeItems = 3;

    /// <summary>
    /// NumPy-style text: nested brackets with the values, then shape and dtype, e.g.
    /// <c>tensor([[1, 2], [3, 4]], shape=(2, 2), dtype=float32)</c>. Tensors of more than 1,000
    /// elements show the first and last three entries of each axis around an ellipsis.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder("tensor(");
        if (IsManaged && Storage.Released) sb.Append("<released>");
        else if (IsManaged && DType == DType.Float32) AppendAxis(sb, 0, 0, Size > SummarizeAbove, Storage.Floats, null, Offset);
        else if (IsManaged) AppendAxis(sb, 0, 0, Size > SummarizeAbove, null, Storage.Ints, Offset);
        else if (DType == DType.Float32) AppendAxis(sb, 0, 0, Size > SummarizeAbove, ToArray(), null, 0);
        else AppendAxis(sb, 0, 0, Size > SummarizeAbove, null, ToIntArray(), 0);
        sb.Append(", shape=").Append(Shape).Append(", dtype=").Append(DType == DType.Float32 ? "float32" : "int32");
        if (Name is not null) sb.Append(", name='").Append(Name).Append('\'');
        if (RequiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }

    private void AppendAxis(StringBuilder sb, int axis, int flat, bool summarize, float[]? floats, int[]? ints, int offset)
    {
        if (axis == Rank)
        {
            sb.Append(DType == DType.Float32
                ? FormatFloat(floats![offset + flat])
                : ints![offset + flat].ToString(CultureInfo.InvariantCulture));
            return;
        }
        int n = Shape[axis];
        int stride = Shape.SizeOf(axis + 1, Rank);
        sb.Append('[');
        for (int i = 0; i < n; i++)
        {
            if (summarize && n > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(", ...");
                i = n - EdgeItems - 1;
                continue;
            }
            if (i > 0) sb.Append(", ");
            AppendAxis(sb, axis + 1, flat + i * stride, summarize, floats, ints, offset);
        }
        sb.Append(']');
    }

    private static string FormatFloat(float v) =>
        v == MathF.Round(v) && MathF.Abs(v) < 1e7f
            ? v.ToString("0", CultureInfo.InvariantCulture)
            : v.ToString("G6", CultureInfo.InvariantCulture);
}
