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

    [TestMethod]
    public void CellExpIsWithinTwoUlpsOfTheLibraryAndSaturates()
    {
        // Every 1/64 over the range the clamp keeps, plus random points: relative error ≤ 2.5e-7 (about 2 ulp).
        var r = new RandomGenerator(5);
        var points = Enumerable.Range(-87 * 64, 175 * 64 + 1).Select(i => i / 64f).Concat(Enumerable.Range(0, 20000).Select(_ => r.NextFloat() * 175 - 87));
        foreach (float x in points)
        {
            double expected = Math.Exp(x), actual = RecurrentCells.Exp(x);
            Assert.IsLessThanOrEqualTo(2.5e-7, Math.Abs(actual - expected) / expected, $"exp({x}): expected {expected}, got {actual}");
        }
        Assert.AreEqual(Math.Exp(88), RecurrentCells.Exp(1000f), Math.Exp(88) * 1e-6, "large arguments saturate at e^88 (sigmoid's 0)");
        Assert.AreEqual(Math.Exp(-87), RecurrentCells.Exp(-1000f), Math.Exp(-87) * 1e-6, "small ones at e^-87 (sigmoid's 1)");
        Assert.IsTrue(float.IsNaN(RecurrentCells.Exp(float.NaN)), "NaN stays NaN, so TerminateOnNaN still sees it");
    }

    [TestMethod]
    public void ForwardCellsGiveTheSameBitsWhateverTheLaneAUnitFallsIn()
    {
        // Unit j's result must not depend on whether it is computed in a 16-lane, 8-lane or scalar
        // pass: row layouts of 16 + 15 units put the same pre-activations in every kind of lane.
        var z1 = Values(4 * 1, -6, 6);
        var c1 = Values(1, -2, 2);
        foreach (int units in new[] { 1, 8, 9, 16, 17, 24, 25, 31 })
        {
            // Gate values of unit 0 repeated over every unit: each lane kind sees the same inputs.
            var z = new float[4 * units];
            var c = new float[units];
            for (int j = 0; j < units; j++)
            {
                for (int g = 0; g < 4; g++) z[g * units + j] = z1[g];
                c[j] = c1[0];
            }
            var tanhC = new float[units];
            var h = new float[units];
            RecurrentCells.LstmForward(z, c, tanhC, h, 1, units);
            for (int j = 1; j < units; j++)
            {
                Assert.AreEqual(h[0], h[j], 0f, $"Lstm h, unit {j} of {units}");
                Assert.AreEqual(c[0], c[j], 0f, $"Lstm c, unit {j} of {units}");
            }
            var xw = new float[3 * units];
            var rec = new float[3 * units];
            var hg = new float[units];
            for (int j = 0; j < units; j++)
            {
                for (int g = 0; g < 3; g++) (xw[g * units + j], rec[g * units + j]) = (z1[g], z1[g + 1]);
                hg[j] = c1[0];
            }
            var gates = new float[3 * units];
            var recH = new float[units];
            RecurrentCells.GruForward(xw, rec, gates, recH, hg, 1, units);
            for (int j = 1; j < units; j++) Assert.AreEqual(hg[0], hg[j], 0f, $"Gru h, unit {j} of {units}");
        }
    }
}
