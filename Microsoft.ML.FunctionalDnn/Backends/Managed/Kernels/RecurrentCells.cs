using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// One recurrent step's element-wise work for a whole batch in a single vectorized pass: the gates'
/// activations, the state update and the outputs, all in registers. (Calling a library routine per
/// gate per row costs more than the arithmetic at these sizes: a row is only 4 × units floats.)
/// tanh is computed as 2σ(2x) - 1, which saturates correctly at both ends. Each cell is written
/// once over <see cref="ILanes{TV}"/> and runs as Vector512 (sixteen units a pass, AVX-512), then
/// Vector256 for what is left (and on AVX2), then one float at a time, every width with the same
/// expression, so a unit's result does not depend on where it falls. exp is our own single-precision
/// Cody–Waite reduction and degree-5 polynomial (Cephes' expf coefficients, about 1 ulp): .NET's
/// Vector512.Exp of floats widens to double and is not inlined, and it was a third of the cell's
/// time; this one inlines into the cell and runs in float lanes.
/// </summary>
internal static class RecurrentCells
{
    /// <summary>
    /// eˣ in float lanes: x clamped to [-87, 88] (so 2ⁿ below stays a normal float; σ and tanh
    /// saturate long before), n = round(x·log₂e), r = x - n·ln2 in two parts (Cody–Waite), and
    /// eʳ ≈ 1 + r + r²·P(r) with Cephes' expf polynomial, scaled by 2ⁿ.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Exp<TV, TL>(TV x) where TV : struct where TL : struct, ILanes<TV>
    {
        x = TL.Min(TL.Max(x, TL.Create(-87f)), TL.Create(88f));
        var n = TL.Floor(TL.FusedMultiplyAdd(x, TL.Create(1.44269504088896341f), TL.Create(0.5f)));
        var r = TL.FusedMultiplyAdd(n, TL.Create(-0.693359375f), x);
        r = TL.FusedMultiplyAdd(n, TL.Create(2.12194440e-4f), r);
        var p = TL.FusedMultiplyAdd(TL.Create(1.9875691500e-4f), r, TL.Create(1.3981999507e-3f));
        p = TL.FusedMultiplyAdd(p, r, TL.Create(8.3334519073e-3f));
        p = TL.FusedMultiplyAdd(p, r, TL.Create(4.1665795894e-2f));
        p = TL.FusedMultiplyAdd(p, r, TL.Create(1.6666665459e-1f));
        p = TL.FusedMultiplyAdd(p, r, TL.Create(5.0000001201e-1f));
        var y = TL.FusedMultiplyAdd(p, TL.Multiply(r, r), TL.Add(r, TL.Create(1f)));
        return TL.Multiply(y, TL.Pow2(n));
    }

    /// <summary>eˣ of one float the way the cells' lanes compute it (tests compare it with MathF.Exp).</summary>
    internal static float Exp(float x) => Exp<float, Lanes1>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Sigmoid<TV, TL>(TV x) where TV : struct where TL : struct, ILanes<TV> =>
        TL.Divide(TL.Create(1f), TL.Add(TL.Create(1f), Exp<TV, TL>(TL.Negate(x))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Tanh<TV, TL>(TV x) where TV : struct where TL : struct, ILanes<TV> =>
        TL.Subtract(TL.Multiply(Sigmoid<TV, TL>(TL.Add(x, x)), TL.Create(2f)), TL.Create(1f));

    /// <summary>
    /// One vector width's operations behind static members, so the Lstm cells are written once and
    /// the JIT specializes them for Vector512 (sixteen units a pass on AVX-512) and Vector256 (the
    /// units left over, and AVX2 machines). Each lane does the scalar expression, so both widths
    /// give the same bits.
    /// </summary>
    private interface ILanes<TV> where TV : struct
    {
        static abstract int Count { get; }

        static abstract TV Load(ReadOnlySpan<float> source);

        static abstract void Store(TV value, Span<float> destination);

        static abstract TV Create(float value);

        static abstract TV Add(TV a, TV b);

        static abstract TV Subtract(TV a, TV b);

        static abstract TV Multiply(TV a, TV b);

        static abstract TV Divide(TV a, TV b);

        static abstract TV Negate(TV a);

        static abstract TV FusedMultiplyAdd(TV a, TV b, TV c);

        static abstract TV Min(TV a, TV b);

        static abstract TV Max(TV a, TV b);

        static abstract TV Floor(TV a);

        /// <summary>2ⁿ for lanes holding integral n in [-126, 127], made from the exponent bits (n is in range, so the platform's conversion needs no saturation).</summary>
        static abstract TV Pow2(TV n);
    }

    private readonly struct Lanes512 : ILanes<Vector512<float>>
    {
        public static int Count => Vector512<float>.Count;

        public static Vector512<float> Load(ReadOnlySpan<float> source) => Vector512.Create(source);

        public static void Store(Vector512<float> value, Span<float> destination) => value.CopyTo(destination);

        public static Vector512<float> Create(float value) => Vector512.Create(value);

        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

        public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

        public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

        public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

        public static Vector512<float> Negate(Vector512<float> a) => -a;

        public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

        public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);

        public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);

        public static Vector512<float> Floor(Vector512<float> a) => Vector512.Floor(a);

        public static Vector512<float> Pow2(Vector512<float> n) => Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127), 23).AsSingle();
    }

    private readonly struct Lanes256 : ILanes<Vector256<float>>
    {
        public static int Count => Vector256<float>.Count;

        public static Vector256<float> Load(ReadOnlySpan<float> source) => Vector256.Create(source);

        public static void Store(Vector256<float> value, Span<float> destination) => value.CopyTo(destination);

        public static Vector256<float> Create(float value) => Vector256.Create(value);

        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

        public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

        public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

        public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

        public static Vector256<float> Negate(Vector256<float> a) => -a;

        public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

        public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);

        public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);

        public static Vector256<float> Floor(Vector256<float> a) => Vector256.Floor(a);

        public static Vector256<float> Pow2(Vector256<float> n) => Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
    }

    /// <summary>One float: the units past the last whole vector, with the vector lanes' expressions.</summary>
    private readonly struct Lanes1 : ILanes<float>
    {
        public static int Count => 1;

        public static float Load(ReadOnlySpan<float> source) => source[0];

        public static void Store(float value, Span<float> destination) => destination[0] = value;

        public static float Create(float value) => value;

        public static float Add(float a, float b) => a + b;

        public static float Subtract(float a, float b) => a - b;

        public static float Multiply(float a, float b) => a * b;

        public static float Divide(float a, float b) => a / b;

        public static float Negate(float a) => -a;

        public static float FusedMultiplyAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

        // Vector Min/Max are minps/maxps-like only for NaN, which the clamp in Exp never meets from finite gates.
        public static float Min(float a, float b) => Math.Min(a, b);

        public static float Max(float a, float b) => Math.Max(a, b);

        public static float Floor(float a) => MathF.Floor(a);

        public static float Pow2(float n) => BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    /// <summary>
    /// Lstm step. <paramref name="z"/> holds each row's pre-activations [i f c o] (units each) and
    /// receives the activations (kept for backward); <paramref name="c"/> goes from c_prev to c;
    /// <paramref name="tanhC"/> and <paramref name="h"/> receive tanh(c) and o ⊙ tanh(c).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LstmForward(Span<float> z, Span<float> c, Span<float> tanhC, Span<float> h, int batch, int units)
    {
        int width = 4 * units;
        for (int b = 0; b < batch; b++)
        {
            var row = z.Slice(b * width, width);
            var cRow = c.Slice(b * units, units);
            var tcRow = tanhC.Slice(b * units, units);
            var hRow = h.Slice(b * units, units);
            int j = 0;
            if (Vector512.IsHardwareAccelerated) LstmForwardLanes<Vector512<float>, Lanes512>(row, cRow, tcRow, hRow, units, ref j);
            if (Vector256.IsHardwareAccelerated) LstmForwardLanes<Vector256<float>, Lanes256>(row, cRow, tcRow, hRow, units, ref j);
            LstmForwardLanes<float, Lanes1>(row, cRow, tcRow, hRow, units, ref j);
        }
    }

    /// <summary>The units of one row from <paramref name="j"/> on, a whole vector of <typeparamref name="TV"/> at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LstmForwardLanes<TV, TL>(Span<float> row, Span<float> cRow, Span<float> tcRow, Span<float> hRow, int units, ref int j)
        where TV : struct where TL : struct, ILanes<TV>
    {
        for (; j <= units - TL.Count; j += TL.Count)
        {
            var i = Sigmoid<TV, TL>(TL.Load(row[j..]));
            var f = Sigmoid<TV, TL>(TL.Load(row[(units + j)..]));
            var g = Tanh<TV, TL>(TL.Load(row[(2 * units + j)..]));
            var o = Sigmoid<TV, TL>(TL.Load(row[(3 * units + j)..]));
            TL.Store(i, row[j..]);
            TL.Store(f, row[(units + j)..]);
            TL.Store(g, row[(2 * units + j)..]);
            TL.Store(o, row[(3 * units + j)..]);
            var cn = TL.Add(TL.Multiply(f, TL.Load(cRow[j..])), TL.Multiply(i, g));
            var tc = Tanh<TV, TL>(cn);
            TL.Store(cn, cRow[j..]);
            TL.Store(tc, tcRow[j..]);
            TL.Store(TL.Multiply(o, tc), hRow[j..]);
        }
    }

    /// <summary>
    /// Lstm step backward for one sample's row. <paramref name="g"/> holds the activations [i f c o]
    /// of the step, <paramref name="tanhC"/> tanh(c) after it and <paramref name="cPrev"/> c before
    /// it; <paramref name="dh"/> is the gradient reaching h; <paramref name="dc"/> goes from the
    /// gradient reaching c to the one passed to the previous step; <paramref name="dz"/> receives
    /// the gradients of the gate pre-activations [i f c o]. Every width (16, 8, 1 lanes) evaluates
    /// the same expressions in the same order, so all give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LstmBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> tanhC, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> dh, Span<float> dc, Span<float> dz, int units)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated) LstmBackwardLanes<Vector512<float>, Lanes512>(g, tanhC, cPrev, dh, dc, dz, units, ref j);
        if (Vector256.IsHardwareAccelerated) LstmBackwardLanes<Vector256<float>, Lanes256>(g, tanhC, cPrev, dh, dc, dz, units, ref j);
        LstmBackwardLanes<float, Lanes1>(g, tanhC, cPrev, dh, dc, dz, units, ref j);
    }

    /// <summary>The units from <paramref name="j"/> on, a whole vector (or one float) at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LstmBackwardLanes<TV, TL>(ReadOnlySpan<float> g, ReadOnlySpan<float> tanhC, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> dh, Span<float> dc, Span<float> dz, int units, ref int j)
        where TV : struct where TL : struct, ILanes<TV>
    {
        var one = TL.Create(1f);
        for (; j <= units - TL.Count; j += TL.Count)
        {
            var gi = TL.Load(g[j..]);
            var gf = TL.Load(g[(units + j)..]);
            var gg = TL.Load(g[(2 * units + j)..]);
            var go = TL.Load(g[(3 * units + j)..]);
            var tc = TL.Load(tanhC[j..]);
            var d = TL.Load(dh[j..]);
            var dcTotal = TL.Add(TL.Load(dc[j..]), TL.Multiply(TL.Multiply(d, go), TL.Subtract(one, TL.Multiply(tc, tc))));
            TL.Store(TL.Multiply(TL.Multiply(TL.Multiply(dcTotal, gg), gi), TL.Subtract(one, gi)), dz[j..]);
            TL.Store(TL.Multiply(TL.Multiply(TL.Multiply(dcTotal, TL.Load(cPrev[j..])), gf), TL.Subtract(one, gf)), dz[(units + j)..]);
            TL.Store(TL.Multiply(TL.Multiply(dcTotal, gi), TL.Subtract(one, TL.Multiply(gg, gg))), dz[(2 * units + j)..]);
            TL.Store(TL.Multiply(TL.Multiply(TL.Multiply(d, tc), go), TL.Subtract(one, go)), dz[(3 * units + j)..]);
            TL.Store(TL.Multiply(dcTotal, gf), dc[j..]);
        }
    }

    /// <summary>
    /// Gru step backward (reset_after) for one sample's row. <paramref name="g"/> holds the step's z,
    /// r and ĥ, <paramref name="hPrev"/> h before it, <paramref name="recH"/> the recurrent part of
    /// ĥ; <paramref name="dh"/> goes from the gradient reaching h to z ⊙ dh (the GEMM adds the rest);
    /// <paramref name="dxw"/> and <paramref name="dRec"/> receive the gradients of the input
    /// projection and of the recurrent part [z r h]. One expression for every width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GruBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> recH, Span<float> dh, Span<float> dxw, Span<float> dRec, int units)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated) GruBackwardLanes<Vector512<float>, Lanes512>(g, hPrev, recH, dh, dxw, dRec, units, ref j);
        if (Vector256.IsHardwareAccelerated) GruBackwardLanes<Vector256<float>, Lanes256>(g, hPrev, recH, dh, dxw, dRec, units, ref j);
        GruBackwardLanes<float, Lanes1>(g, hPrev, recH, dh, dxw, dRec, units, ref j);
    }

    /// <summary>The units from <paramref name="j"/> on, a whole vector (or one float) at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GruBackwardLanes<TV, TL>(ReadOnlySpan<float> g, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> recH, Span<float> dh, Span<float> dxw, Span<float> dRec, int units, ref int j)
        where TV : struct where TL : struct, ILanes<TV>
    {
        var one = TL.Create(1f);
        for (; j <= units - TL.Count; j += TL.Count)
        {
            var z = TL.Load(g[j..]);
            var r = TL.Load(g[(units + j)..]);
            var hh = TL.Load(g[(2 * units + j)..]);
            var d = TL.Load(dh[j..]);
            var dzPre = TL.Multiply(TL.Multiply(TL.Multiply(d, TL.Subtract(TL.Load(hPrev[j..]), hh)), z), TL.Subtract(one, z));
            var dhPre = TL.Multiply(TL.Multiply(d, TL.Subtract(one, z)), TL.Subtract(one, TL.Multiply(hh, hh)));
            var drPre = TL.Multiply(TL.Multiply(TL.Multiply(dhPre, TL.Load(recH[j..])), r), TL.Subtract(one, r));
            TL.Store(dzPre, dxw[j..]);
            TL.Store(drPre, dxw[(units + j)..]);
            TL.Store(dhPre, dxw[(2 * units + j)..]);
            TL.Store(dzPre, dRec[j..]);
            TL.Store(drPre, dRec[(units + j)..]);
            TL.Store(TL.Multiply(dhPre, r), dRec[(2 * units + j)..]);
            TL.Store(TL.Multiply(d, z), dh[j..]);
        }
    }

    /// <summary>
    /// Gru step (reset_after). <paramref name="xw"/> is the row's input projection [z r h],
    /// <paramref name="rec"/> the recurrent part h·U + b' [z r h]; <paramref name="gates"/> receives
    /// z, r and ĥ; <paramref name="recH"/> keeps the recurrent part of ĥ for backward;
    /// <paramref name="h"/> goes from h_prev to ĥ + z ⊙ (h_prev - ĥ).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GruForward(ReadOnlySpan<float> xw, ReadOnlySpan<float> rec, Span<float> gates, Span<float> recH, Span<float> h, int batch, int units)
    {
        int width = 3 * units;
        for (int b = 0; b < batch; b++)
        {
            var x = xw.Slice(b * width, width);
            var u = rec.Slice(b * width, width);
            var g = gates.Slice(b * width, width);
            var rh = recH.Slice(b * units, units);
            var hRow = h.Slice(b * units, units);
            int j = 0;
            if (Vector512.IsHardwareAccelerated) GruForwardLanes<Vector512<float>, Lanes512>(x, u, g, rh, hRow, units, ref j);
            if (Vector256.IsHardwareAccelerated) GruForwardLanes<Vector256<float>, Lanes256>(x, u, g, rh, hRow, units, ref j);
            GruForwardLanes<float, Lanes1>(x, u, g, rh, hRow, units, ref j);
        }
    }

    /// <summary>The units of one row from <paramref name="j"/> on, a whole vector of <typeparamref name="TV"/> at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GruForwardLanes<TV, TL>(ReadOnlySpan<float> x, ReadOnlySpan<float> u, Span<float> g, Span<float> rh, Span<float> hRow, int units, ref int j)
        where TV : struct where TL : struct, ILanes<TV>
    {
        for (; j <= units - TL.Count; j += TL.Count)
        {
            var zg = Sigmoid<TV, TL>(TL.Add(TL.Load(x[j..]), TL.Load(u[j..])));
            var rg = Sigmoid<TV, TL>(TL.Add(TL.Load(x[(units + j)..]), TL.Load(u[(units + j)..])));
            var uh = TL.Load(u[(2 * units + j)..]);
            var cand = Tanh<TV, TL>(TL.Add(TL.Load(x[(2 * units + j)..]), TL.Multiply(rg, uh)));
            TL.Store(zg, g[j..]);
            TL.Store(rg, g[(units + j)..]);
            TL.Store(cand, g[(2 * units + j)..]);
            TL.Store(uh, rh[j..]);
            TL.Store(TL.Add(cand, TL.Multiply(zg, TL.Subtract(TL.Load(hRow[j..]), cand))), hRow[j..]);
        }
    }
}
