using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Tests.Kernels;

/// <summary>The vectorized Lstm backward cell against its scalar formula, bit for bit, for every unit count 1…40 (vector body and every tail).</summary>
[TestClass]
public sealed class RecurrentCellTests
{
    [TestMethod]
    public void LstmBackwardCellMatchesTheScalarFormulaBitForBit()
    {
        var r = new RandomGenerator(3);
        float[] Values(int n, float lo, float hi) => [.. Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * r.NextFloat())];
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
}
