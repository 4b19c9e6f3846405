namespace Microsoft.ML.FunctionalDnn.Visualization;

/// <summary>
/// A layered (Sugiyama-style) drawing of a directed acyclic graph: nodes in ranks by longest path
/// from the sources, long edges routed through dummy points one rank apart, the order within each
/// rank improved by barycenter sweeps, and positions along a rank chosen as close as possible to
/// the nodes' neighbours without overlap (isotonic regression). Coordinates are "rank-major":
/// <see cref="Point.Rank"/> runs from the first rank to the last (down for top-to-bottom, right for
/// left-to-right), <see cref="Point.Along"/> along a rank.
/// </summary>
internal sealed class LayeredLayout
{
    internal readonly record struct Point(double Along, double Rank);

    private const double NodeGap = 28, RankGap = 44, DummyExtent = 10, Margin = 16;

    /// <summary>The centre of each node.</summary>
    internal Point[] Centers { get; }

    /// <summary>Each edge as the points it passes: the source centre, the dummy points, the target centre.</summary>
    internal List<Point>[] Routes { get; }

    /// <summary>The drawing's extent along the ranks and across them.</summary>
    internal (double Along, double Rank) Size { get; }

    /// <param name="extents">Each node's size (along a rank, across ranks).</param>
    /// <param name="edges">Source and target indices; the graph must be acyclic.</param>
    internal LayeredLayout(IReadOnlyList<(double Along, double Rank)> extents, IReadOnlyList<(int From, int To)> edges)
    {
        int n = extents.Count;
        var rank = Ranks(n, edges);
        // Real nodes, then one dummy per rank crossed by a long edge.
        var alongSize = extents.Select(e => e.Along).ToList();
        var rankOf = rank.ToList();
        var chains = new List<int>[edges.Count];
        var links = new List<(int From, int To)>();
        for (int e = 0; e < edges.Count; e++)
        {
            var (from, to) = edges[e];
            var chain = new List<int> { from };
            for (int r = rank[from] + 1; r < rank[to]; r++)
            {
                chain.Add(alongSize.Count);
                alongSize.Add(DummyExtent);
                rankOf.Add(r);
            }
            chain.Add(to);
            for (int i = 0; i + 1 < chain.Count; i++) links.Add((chain[i], chain[i + 1]));
            chains[e] = chain;
        }
        int total = alongSize.Count, ranks = rankOf.Count == 0 ? 0 : rankOf.Max() + 1;
        var preds = Enumerable.Range(0, total).Select(_ => new List<int>()).ToArray();
        var succs = Enumerable.Range(0, total).Select(_ => new List<int>()).ToArray();
        foreach (var (from, to) in links)
        {
            succs[from].Add(to);
            preds[to].Add(from);
        }
        var layers = Enumerable.Range(0, ranks).Select(r => Enumerable.Range(0, total).Where(v => rankOf[v] == r).ToList()).ToArray();
        Order(layers, preds, succs);
        var along = Place(layers, preds, succs, alongSize);

        // Ranks are as deep as their deepest node.
        var rankStart = new double[ranks];
        double depth = Margin;
        for (int r = 0; r < ranks; r++)
        {
            rankStart[r] = depth;
            depth += layers[r].Where(v => v < n).Select(v => extents[v].Rank).DefaultIfEmpty(DummyExtent).Max() + RankGap;
        }
        var rankDepth = layers.Select(l => l.Where(v => v < n).Select(v => extents[v].Rank).DefaultIfEmpty(DummyExtent).Max()).ToArray();
        Point Center(int v) => new(along[v], rankStart[rankOf[v]] + rankDepth[rankOf[v]] / 2);
        Centers = Enumerable.Range(0, n).Select(Center).ToArray();
        Routes = chains.Select(c => c.Select(Center).ToList()).ToArray();
        double width = Enumerable.Range(0, total).Select(v => along[v] + alongSize[v] / 2).DefaultIfEmpty(0).Max() + Margin;
        Size = (width, depth - RankGap + Margin);
    }

    /// <summary>Longest-path ranks: sources at 0, every node one below its deepest predecessor.</summary>
    private static int[] Ranks(int n, IReadOnlyList<(int From, int To)> edges)
    {
        var indegree = new int[n];
        var succs = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        foreach (var (from, to) in edges)
        {
            succs[from].Add(to);
            indegree[to]++;
        }
        var rank = new int[n];
        var queue = new Queue<int>(Enumerable.Range(0, n).Where(v => indegree[v] == 0));
        int seen = 0;
        while (queue.TryDequeue(out int v))
        {
            seen++;
            foreach (int w in succs[v])
            {
                rank[w] = Math.Max(rank[w], rank[v] + 1);
                if (--indegree[w] == 0) queue.Enqueue(w);
            }
        }
        if (seen != n) throw new InvalidOperationException("The layer graph has a cycle; it cannot be drawn in ranks.");
        return rank;
    }

    /// <summary>Barycenter sweeps, down then up, keeping the order with the fewest crossings.</summary>
    private static void Order(List<int>[] layers, List<int>[] preds, List<int>[] succs)
    {
        var best = layers.Select(l => l.ToList()).ToArray();
        long bestCrossings = Crossings(layers, succs);
        for (int sweep = 0; sweep < 8 && bestCrossings > 0; sweep++)
        {
            bool down = sweep % 2 == 0;
            for (int i = 1; i < layers.Length; i++)
            {
                int r = down ? i : layers.Length - 1 - i;
                var fixedLayer = layers[down ? r - 1 : r + 1];
                var position = new Dictionary<int, int>();
                for (int k = 0; k < fixedLayer.Count; k++) position[fixedLayer[k]] = k;
                var neighbours = down ? preds : succs;
                var current = layers[r];
                var keys = current.Select((v, k) =>
                {
                    var adjacent = neighbours[v].Where(position.ContainsKey).Select(u => (double)position[u]).ToList();
                    return (v, key: adjacent.Count > 0 ? adjacent.Average() : k);
                }).ToList();
                layers[r] = [.. keys.OrderBy(p => p.key).Select(p => p.v)];
            }
            long crossings = Crossings(layers, succs);
            if (crossings < bestCrossings)
            {
                bestCrossings = crossings;
                best = layers.Select(l => l.ToList()).ToArray();
            }
        }
        for (int r = 0; r < layers.Length; r++) layers[r] = best[r];
    }

    private static long Crossings(List<int>[] layers, List<int>[] succs)
    {
        long count = 0;
        for (int r = 0; r + 1 < layers.Length; r++)
        {
            var below = new Dictionary<int, int>();
            for (int k = 0; k < layers[r + 1].Count; k++) below[layers[r + 1][k]] = k;
            var segments = new List<(int Top, int Bottom)>();
            for (int k = 0; k < layers[r].Count; k++)
                foreach (int w in succs[layers[r][k]])
                    if (below.TryGetValue(w, out int b)) segments.Add((k, b));
            for (int i = 0; i < segments.Count; i++)
                for (int j = i + 1; j < segments.Count; j++)
                    if ((segments[i].Top - segments[j].Top) * (long)(segments[i].Bottom - segments[j].Bottom) < 0) count++;
        }
        return count;
    }

    /// <summary>Positions along the ranks: each node pulled towards its neighbours, never closer to the next node than the gap.</summary>
    private static double[] Place(List<int>[] layers, List<int>[] preds, List<int>[] succs, List<double> size)
    {
        var x = new double[size.Count];
        foreach (var layer in layers)
        {
            double at = Margin;
            foreach (int v in layer)
            {
                x[v] = at + size[v] / 2;
                at += size[v] + NodeGap;
            }
        }
        for (int iteration = 0; iteration < 12; iteration++)
        {
            bool down = iteration % 2 == 0;
            for (int i = 0; i < layers.Length; i++)
            {
                var layer = layers[down ? i : layers.Length - 1 - i];
                var neighbours = down ? preds : succs;
                var desired = layer.Select(v => neighbours[v].Count > 0 ? neighbours[v].Average(u => x[u]) : x[v]).ToArray();
                var placed = Isotonic(desired, layer.Select(v => size[v]).ToArray());
                for (int k = 0; k < layer.Count; k++) x[layer[k]] = placed[k];
            }
        }
        double shift = Margin - Enumerable.Range(0, size.Count).Select(v => x[v] - size[v] / 2).DefaultIfEmpty(Margin).Min();
        for (int v = 0; v < x.Length; v++) x[v] += shift;
        return x;
    }

    /// <summary>
    /// Centres as close as possible (least squares) to <paramref name="desired"/> while each is at
    /// least half the two sizes plus the gap after the previous: pool-adjacent-violators on the
    /// positions less their cumulative minimum offsets.
    /// </summary>
    private static double[] Isotonic(double[] desired, double[] sizes)
    {
        int n = desired.Length;
        var offset = new double[n];
        for (int k = 1; k < n; k++) offset[k] = offset[k - 1] + (sizes[k - 1] + sizes[k]) / 2 + NodeGap;
        var blocks = new List<(double Sum, int Count)>();
        for (int k = 0; k < n; k++)
        {
            blocks.Add((desired[k] - offset[k], 1));
            while (blocks.Count > 1 && blocks[^2].Sum / blocks[^2].Count > blocks[^1].Sum / blocks[^1].Count)
            {
                var last = blocks[^1];
                blocks.RemoveAt(blocks.Count - 1);
                blocks[^1] = (blocks[^1].Sum + last.Sum, blocks[^1].Count + last.Count);
            }
        }
        var result = new double[n];
        int i = 0;
        foreach (var (sum, count) in blocks)
            for (int c = 0; c < count; c++, i++) result[i] = sum / count + offset[i];
        return result;
    }
}
