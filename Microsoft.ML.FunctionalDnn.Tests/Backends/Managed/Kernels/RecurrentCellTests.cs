using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Tests.Kernels;

/// <summary>The vectorized Lstm and Gru backward cells against their scalar formulas, bit for bit, for every unit count 1…40 (vector body and every tail).</summary>
[TestClass]
public sealed class RecurrentCellTests
{
    private readonly RandomGenerator _random = new(3);

    private float[] Values(int n, float lo, float hi) => [.. Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * _random.NextFloat())];

    [TestMethod]
    public void GruBackwardCellMatchesTheScalarFormulaBitForBit()
    {
        for (int units = 1; units <= 40; units++)
        {
            var g = Values(3 * units, 0.01f, 0.99f);
            var hPrev = Values(units, -1, 1);
            var recH = Values(units, -2, 2);
            var dh = Values(units, -1, 1);
            var expectedDh = (float[])dh.Clone();
            var expectedDxw = new float[3 * units];
            var expectedDRec = new float[3 * units];
            for (int j = 0; j < units; j++)
            {
                float z = g[j], rr = g[units + j], hh = g[2 * units + j], d = expectedDh[j];
                float dzPre = d * (hPrev[j] - hh) * z * (1 - z);
                float dhPre = d * (1 - z) * (1 - hh * hh);
                float drPre = dhPre * recH[j] * rr * (1 - rr);
                (expectedDxw[j], expectedDxw[units + j], expectedDxw[2 * units + j]) = (dzPre, drPre, dhPre);
                (expectedDRec[j], expectedDRec[units + j], expectedDRec[2 * units + j]) = (dzPre, drPre, dhPre * rr);
                expectedDh[j] = d * z;
            }
            var (dxw, dRec) = (new float[3 * units], new float[3 * units]);
            RecurrentCells.GruBackward(g, hPrev, recH, dh, dxw, dRec, units);
            CollectionAssert.AreEqual(expectedDxw, dxw, $"d(input projection), {units} units");
            CollectionAssert.AreEqual(expectedDRec, dRec, $"d(recurrent part), {units} units");
            CollectionAssert.AreEqual(expectedDh, dh, $"dh, {units} units");
        }
    }

    [TestMethod]
    public void LstmBackwardCellMatchesTheScalarFormulaBitForBit()
    {
        for (int units = 1; units <= 40; units++)
        {
            var g = Values(4 * units, 0.01f, 0.99f);
            var tanhC = Values(units, -0.99f, 0.99f);
            var cPrev = Values(units, -2, 2);
            var dh = Values(units, -1, 1);
            var dc = Values(units, -1, 1);
            var expectedDc = (float[])dc.Clone();
            var expectedDz = new float[4 * units];
            for (int j = 0; j < units; j++)
            {
                float gi = g[j], gf = g[units + j], gg = g[2 * units + j], go = g[3 * units + j], tc = tanhC[j];
                float dcTotal = expectedDc[j] + dh[j] * go * (1 - tc * tc);
                expectedDz[j] = dcTotal * gg * gi * (1 - gi);
                expectedDz[units + j] = dcTotal * cPrev[j] * gf * (1 - gf);
                expectedDz[2 * units + j] = dcTotal * gi * (1 - gg * gg);
                expectedDz[3 * units + j] = dh[j] * tc * go * (1 - go);
                expectedDc[j] = dcTotal * gf;
            }
            var dz = new float[4 * units];
            RecurrentCells.LstmBackward(g, tanhC, cPrev, dh, dc, dz, units);
            CollectionAssert.AreEqual(expectedDz, dz, $"dz, {units} units");
            CollectionAssert.AreEqual(expectedDc, dc, $"dc, {units} units");
        }
    }

    [TestMethod]
    public void LstmForwardCellMatchesTheFormulaAtEveryWidth()
    {
        // 1-40 units cover the 16-lane (AVX-512), 8-lane and scalar paths and their joins within a row.
        for (int units = 1; units <= 40; units++)
        {
            const int batch = 3;
            var z = Values(batch * 4 * units, -4, 4);
            var c = Values(batch * units, -2, 2);
            var expectedZ = (float[])z.Clone();
            var expectedC = (float[])c.Clone();
            var expectedH = new float[batch * units];
            static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < units; j++)
                {
                    int r = b * 4 * units;
                    double i = Sigmoid(z[r + j]), f = Sigmoid(z[r + units + j]), g = Math.Tanh(z[r + 2 * units + j]), o = Sigmoid(z[r + 3 * units + j]);
                    double cn = f * c[b * units + j] + i * g;
                    (expectedZ[r + j], expectedZ[r + units + j], expectedZ[r + 2 * units + j], expectedZ[r + 3 * units + j]) = ((float)i, (float)f, (float)g, (float)o);
                    expectedC[b * units + j] = (float)cn;
                    expectedH[b * units + j] = (float)(o * Math.Tanh(cn));
                }
            var tanhC = new float[batch * units];
            var h = new float[batch * units];
            RecurrentCells.LstmForward(z, c, tanhC, h, batch, units);
            for (int k = 0; k < z.Length; k++) Assert.AreEqual(expectedZ[k], z[k], 2e-6f, $"gates, {units} units, element {k}");
            for (int k = 0; k < c.Length; k++)
            {
                Assert.AreEqual(expectedC[k], c[k], 1e-5f, $"c, {units} units, element {k}");
                Assert.AreEqual(expectedH[k], h[k], 1e-5f, $"h, {units} units, element {k}");
                Assert.AreEqual(MathF.Tanh(c[k]), tanhC[k], 2e-6f, $"tanh(c), {units} units, element {k}");
            }
        }
    }
}
