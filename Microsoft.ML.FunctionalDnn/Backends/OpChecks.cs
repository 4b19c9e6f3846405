namespace Microsoft.ML.FunctionalDnn.Backends;

/// <summary>
/// The argument checks every backend makes before computing, with the messages <see cref="Ops"/>
/// documents: element types, ranks, broadcasting and axes. Shared so that an error reads the same
/// whichever backend runs the op.
/// </summary>
internal static class OpChecks
{
    internal static void RequireFloat(Tensor x, string op)
    {
        if (x.DType != DType.Float32)
            throw new ArgumentException($"{op} needs a float32 tensor; received {x.DType} {x.Shape}. Convert ids with Ops.Cast first.");
    }

    internal static void RequireInt(Tensor x, string op, string what)
    {
        if (x.DType != DType.Int32)
            throw new ArgumentException($"{op} needs int32 {what}; received {x.DType} {x.Shape}.");
    }

    internal static void RequireRank(Tensor x, int rank, string op, string layout)
    {
        if (x.Rank != rank)
            throw new ArgumentException($"{op} expects a rank-{rank} input {layout}; received shape {x.Shape}.");
    }

    internal static void RequireFloatPair(Tensor a, Tensor b, string op)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.DType != DType.Float32 || b.DType != DType.Float32)
            throw new ArgumentException($"{op} needs float32 tensors; received {a.DType} {a.Shape} and {b.DType} {b.Shape}. Convert ids with Ops.Cast first.");
    }

    /// <summary>A bias over the last axis: float32 x of rank 1 or more and a float32 (channels) bias with x's last dimension.</summary>
    internal static void CheckBiasAdd(Tensor x, Tensor bias)
    {
        RequireFloatPair(x, bias, nameof(IBackend.BiasAdd));
        if (x.Rank < 1 || bias.Rank != 1 || bias.Shape[0] != x.Shape[-1])
            throw new ArgumentException($"BiasAdd needs a bias of shape {(x.Rank < 1 ? "(channels,)" : new Shape(x.Shape[-1]))} for an input {x.Shape} (one value per channel of the last axis); received {bias.Shape}.");
    }

    /// <summary>A convolution's optional bias: float32, one value per filter.</summary>
    internal static void CheckConvBias(Tensor? bias, int filters, string op)
    {
        if (bias is not null && (bias.DType != DType.Float32 || bias.Rank != 1 || bias.Shape[0] != filters))
            throw new ArgumentException($"{op}'s bias must be float32 {new Shape(filters)}, one value per filter of the kernel; received {bias.DType} {bias.Shape}.");
    }

    /// <summary>Dense's operands: a float input of rank 2 or more, a (features, units) kernel, a (units) bias.</summary>
    internal static void CheckDense(Tensor x, Tensor kernel, Tensor? bias)
    {
        RequireFloatPair(x, kernel, nameof(IBackend.Dense));
        if (x.Rank < 2 || kernel.Rank != 2 || x.Shape[-1] != kernel.Shape[0])
            throw new ArgumentException($"Dense needs an input (batch, ..., features) of rank 2 or more and a (features, units) kernel with the same features; received {x.Shape} and {kernel.Shape}.");
        if (bias is not null && (bias.DType != DType.Float32 || bias.Rank != 1 || bias.Shape[0] != kernel.Shape[1]))
            throw new ArgumentException($"Dense's bias must be float32 {new Shape(kernel.Shape[1])} for a {kernel.Shape} kernel; received {bias.DType} {bias.Shape}.");
    }

    /// <summary>NumPy's broadcast of two shapes, or an error naming the dimension that differs.</summary>
    internal static Shape BroadcastShape(Shape a, Shape b, string op)
    {
        if (a == b) return a;
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast together (dimension {i - rank} is {da} in the first and {db} in the second; each pair must match or one must be 1).");
            dims[i] = da == 1 ? db : da;
        }
        return new Shape(dims);
    }

    /// <summary>The shape after reducing <paramref name="axes"/> (kept as size 1 when <paramref name="keepDims"/>).</summary>
    internal static Shape ReducedShape(Shape shape, int[] axes, bool keepDims)
    {
        var dims = new List<int>(shape.Rank);
        for (int i = 0; i < shape.Rank; i++)
        {
            if (Array.IndexOf(axes, i) < 0) dims.Add(shape[i]);
            else if (keepDims) dims.Add(1);
        }
        return new Shape([.. dims]);
    }

    /// <summary>Axes made non-negative and sorted (all axes when null or empty); an axis listed twice is an error.</summary>
    internal static int[] NormalizeAxes(int[]? axes, int rank)
    {
        if (axes is null || axes.Length == 0)
        {
            var all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        var n = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++) n[i] = Shape.NormalizeAxis(axes[i], rank);
        Array.Sort(n);
        for (int i = 1; i < n.Length; i++)
            if (n[i] == n[i - 1]) throw new ArgumentException($"Axis {n[i]} is listed twice in [{string.Join(", ", axes)}].", nameof(axes));
        return n;
    }

    /// <summary>The target of a reshape (one -1 inferred), or an error naming the element counts.</summary>
    internal static Shape InferReshape(Shape from, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var dims = (int[])shape.Clone();
        int unknown = -1, known = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == -1)
            {
                if (unknown >= 0) throw new ArgumentException($"Reshape to {Shape.Format(shape)}: only one dimension can be -1.", nameof(shape));
                unknown = i;
            }
            else if (dims[i] < 0) throw new ArgumentException($"Reshape to {Shape.Format(shape)}: dimension {i} is {dims[i]}.", nameof(shape));
            else known *= dims[i];
        }
        if (unknown >= 0)
        {
            if (known == 0 || from.Size % known != 0)
                throw new ArgumentException($"Cannot reshape {from} ({from.Size} elements) to {Shape.Format(shape)}: {from.Size} is not a multiple of {known}.", nameof(shape));
            dims[unknown] = from.Size / known;
        }
        var target = new Shape(dims);
        if (target.Size != from.Size)
            throw new ArgumentException($"Cannot reshape {from} ({from.Size} elements) to {target} ({target.Size} elements).", nameof(shape));
        return target;
    }

    /// <summary>A permutation of the axes made non-negative, or an error for a wrong length or a repeated axis.</summary>
    internal static int[] CheckPermutation(int[] perm, Shape shape)
    {
        if (perm.Length != shape.Rank)
            throw new ArgumentException($"Transpose of {shape} needs a permutation of {shape.Rank} axes; received [{string.Join(", ", perm)}].", nameof(perm));
        var p = new int[perm.Length];
        var seen = new bool[perm.Length];
        for (int i = 0; i < perm.Length; i++)
        {
            p[i] = shape.NormalizeAxis(perm[i]);
            if (seen[p[i]]) throw new ArgumentException($"Transpose: axis {perm[i]} appears twice in [{string.Join(", ", perm)}].", nameof(perm));
            seen[p[i]] = true;
        }
        return p;
    }

    /// <summary>A host buffer of <paramref name="length"/> elements for a tensor of <paramref name="shape"/>.</summary>
    internal static void CheckLength(int length, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (length != shape.Size)
            throw new ArgumentException($"Shape {shape} needs {shape.Size} elements; received {length}.", nameof(shape));
    }

    /// <summary>A host destination of <paramref name="length"/> elements for <paramref name="source"/>'s copy.</summary>
    internal static void CheckDestination(Tensor source, int length)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (length != source.Size)
            throw new ArgumentException($"The tensor {source.Shape} has {source.Size} elements; the destination holds {length}.", nameof(source));
    }

    /// <summary>The concatenation axis, made non-negative, after checking the tensors agree on type and on every other axis.</summary>
    internal static int ConcatenationAxis(IReadOnlyList<Tensor> tensors, int axis)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Concatenate needs at least one tensor.", nameof(tensors));
        var first = tensors[0];
        int a = first.Shape.NormalizeAxis(axis);
        for (int t = 0; t < tensors.Count; t++)
        {
            var s = tensors[t].Shape;
            bool ok = s.Rank == first.Rank && tensors[t].DType == first.DType;
            for (int d = 0; ok && d < s.Rank; d++) ok = d == a || s[d] == first.Shape[d];
            if (!ok)
                throw new ArgumentException($"Concatenate along axis {axis} needs tensors of the same type whose shapes match except on that axis; tensor 0 is {first.DType} {first.Shape}, tensor {t} is {tensors[t].DType} {s}.", nameof(tensors));
        }
        return a;
    }

    /// <summary>The slice's axis, made non-negative, after checking [start, start + length) lies inside it.</summary>
    internal static int SliceAxis(Tensor x, int axis, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = x.Shape.NormalizeAxis(axis);
        if (start < 0 || length < 0 || start + length > x.Shape[a])
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + length}) is outside axis {axis} of size {x.Shape[a]} (shape {x.Shape}).");
        return a;
    }

    /// <summary>The split's axis, made non-negative, after checking the sizes cover it exactly.</summary>
    internal static int SplitAxis(Tensor x, int[] sizes, int axis)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(sizes);
        int a = x.Shape.NormalizeAxis(axis);
        if (sizes.Sum() != x.Shape[a] || sizes.Any(s => s < 0))
            throw new ArgumentException($"Split sizes [{string.Join(", ", sizes)}] must be non-negative and add up to {x.Shape[a]}, the length of axis {axis} of {x.Shape}.", nameof(sizes));
        return a;
    }

    /// <summary>A pooling op's input: rank 3 (batch, steps, channels) or 4 (batch, height, width, channels), and 'valid' or 'same' padding.</summary>
    internal static void CheckPool(Tensor x, int rank, Padding padding, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireRank(x, rank, op, rank == 3 ? "(batch, steps, channels)" : "(batch, height, width, channels)");
        if (padding == Padding.Causal) throw new ArgumentException($"{op}: padding must be 'valid' or 'same'.", nameof(padding));
    }

    /// <summary>A float (batch, height, width, channels) input and a rank-4 kernel laid out as <paramref name="kernelLayout"/> says.</summary>
    private static void RequireImageOperands(Tensor x, Tensor kernel, string op, string kernelLayout)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        RequireFloat(x, op);
        RequireRank(x, 4, op, "(batch, height, width, channels)");
        RequireRank(kernel, 4, op, "kernel " + kernelLayout);
    }

    /// <summary>DepthwiseConv2D's operands: float (batch, height, width, channels) and a (kernelH, kernelW, channels, depthMultiplier) kernel, no causal padding.</summary>
    internal static void CheckDepthwise(Tensor x, Tensor kernel, Padding padding)
    {
        RequireImageOperands(x, kernel, "DepthwiseConv2D", "(kernelH, kernelW, channels, depthMultiplier)");
        if (padding == Padding.Causal) throw new ArgumentException("DepthwiseConv2D: causal padding exists only for 1-D convolutions.", nameof(padding));
    }

    /// <summary>Conv2DTranspose's operands (float input, (kernelH, kernelW, filters, inChannels) kernel, 'valid' or 'same'); returns the strides.</summary>
    internal static (int H, int W) CheckTransposed(Tensor x, Tensor kernel, Padding padding, (int H, int W)? strides)
    {
        RequireImageOperands(x, kernel, "Conv2DTranspose", "(kernelH, kernelW, filters, inChannels)");
        if (padding == Padding.Causal) throw new ArgumentException("Conv2DTranspose: padding must be 'valid' or 'same'.", nameof(padding));
        if (kernel.Shape[3] != x.Shape[3])
            throw new ArgumentException($"Conv2DTranspose: the kernel {kernel.Shape} expects {kernel.Shape[3]} input channels; the input {x.Shape} has {x.Shape[3]}.");
        var (sh, sw) = strides ?? (1, 1);
        if (sh <= 0 || sw <= 0) throw new ArgumentOutOfRangeException(nameof(strides), $"Conv2DTranspose: strides must be positive; received ({sh}, {sw}).");
        return (sh, sw);
    }

    /// <summary>A normalization's per-channel vector (γ, β, a mean or a variance): absent, or of the input's last-axis length.</summary>
    internal static void CheckChannels(Tensor? t, int channels, string name, Tensor x)
    {
        if (t is not null && (t.Rank != 1 || t.Shape[0] != channels))
            throw new ArgumentException($"Normalization: {name} must have shape ({channels},) to match the last axis of the input {x.Shape}; received {t.Shape}.", name);
    }

    /// <summary>Keras's window arithmetic: output length and leading padding of one spatial axis (valid, same with the odd cell at the end, causal); throws when the window does not fit.</summary>
    internal static (int Out, int PadBefore) WindowAxis(int input, int kernel, int stride, int dilation, Padding padding, string op, string axisName)
    {
        if (kernel <= 0 || stride <= 0 || dilation <= 0)
            throw new ArgumentException($"{op}: kernel size, stride and dilation must be positive; received kernel {kernel}, stride {stride}, dilation {dilation}.");
        int span = dilation * (kernel - 1) + 1;
        switch (padding)
        {
            case Padding.Valid:
            {
                int o = input >= span ? (input - span) / stride + 1 : 0;
                if (o <= 0)
                    throw new ArgumentException($"{op}: the {axisName} of the input is {input}, shorter than the window ({kernel}{(dilation > 1 ? $" dilated by {dilation} = {span}" : "")}) with padding 'valid'; the output would be {(input - span) / stride + 1}. Use padding 'same', a smaller kernel or stride, or a longer input.");
                return (o, 0);
            }
            case Padding.Same:
            {
                if (input <= 0) throw new ArgumentException($"{op}: the {axisName} of the input is {input}; it must be positive.");
                int o = (input + stride - 1) / stride;
                int total = Math.Max((o - 1) * stride + span - input, 0);
                return (o, total / 2);
            }
            default:
            {
                if (input <= 0) throw new ArgumentException($"{op}: the {axisName} of the input is {input}; it must be positive.");
                return ((input - 1) / stride + 1, span - 1);
            }
        }
    }
}
