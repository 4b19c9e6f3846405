using System.Globalization;
using System.Text;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Visualization;

/// <summary>
/// Draws a model's layer graph (Keras's <c>plot_model</c>) as a self-contained SVG, laid out here
/// without Graphviz, or as Graphviz DOT: a box per layer (a shared layer once, with an edge per
/// call), labelled with its name, class and shapes; nested models as one box or expanded into a
/// labelled cluster.
/// </summary>
internal sealed class ModelPlot
{
    private const double PadX = 10, PadY = 7, ClusterPad = 12;
    private readonly Model _model;
    private readonly bool _showShapes, _showLayerNames, _expandNested, _leftToRight;
    private readonly List<LayerGraphNode> _nodes;
    private readonly List<(int From, int To)> _edges = [];

    internal ModelPlot(Model model, bool showShapes, bool showLayerNames, string rankDir, bool expandNested)
    {
        _model = model;
        _showShapes = showShapes;
        _showLayerNames = showLayerNames;
        _expandNested = expandNested;
        _leftToRight = rankDir switch
        {
            "TB" => false,
            "LR" => true,
            _ => throw new ArgumentException($"rankDir must be \"TB\" (top to bottom) or \"LR\" (left to right); received \"{rankDir}\".", nameof(rankDir)),
        };
        _nodes = LayerGraph.Build(model, expandNested);
        var index = _nodes.Select((n, i) => (n.Id, i)).ToDictionary(p => p.Id, p => p.i);
        foreach (var (node, to) in _nodes.Select((n, i) => (n, i)))
            foreach (var (source, _) in node.Inputs) _edges.Add((index[source], to));
    }

    /// <summary>The lines of a layer's box: "name: Class" (or the class alone), then its shapes.</summary>
    private string[] Label(LayerGraphNode node)
    {
        string name = node.Layer.Name;
        var lines = new List<string> { _showLayerNames ? $"{name}: {node.Layer.ClassName}" : node.Layer.ClassName };
        if (_showShapes)
        {
            lines.Add("input: " + Shapes(node.InputShapes));
            lines.Add("output: " + Shapes(node.OutputShapes));
        }
        return [.. lines];
    }

    private static string Shapes(IReadOnlyList<TensorShape> shapes) =>
        shapes.Count == 1 ? shapes[0].ToString() : "[" + string.Join(", ", shapes.Select(s => s.ToString())) + "]";

    private static string Fill(Layer layer) => layer switch
    {
        InputLayer => "#d5f5e3",
        Model => "#fdebd0",
        Merge or Concatenate or Dot => "#fcf3cf",
        _ => "#d6eaf8",
    };

    internal string ToSvg()
    {
        var labels = _nodes.Select(Label).ToArray();
        var sizes = labels.Select(l => (W: l.Max(SvgWriter.TextWidth) + 2 * PadX, H: l.Length * SvgWriter.LineHeight + 2 * PadY)).ToArray();
        var layout = new LayeredLayout(sizes.Select(s => _leftToRight ? (s.H, s.W) : (s.W, s.H)).ToArray(), _edges);
        (double X, double Y) At(LayeredLayout.Point p) => _leftToRight ? (p.Rank, p.Along) : (p.Along, p.Rank);
        var svg = new SvgWriter();

        // Clusters first (behind the boxes): one per expanded nested model, around its layers.
        var scopes = _nodes.SelectMany(n => Enumerable.Range(1, n.Scope.Count).Select(k => n.Scope.Take(k).ToArray()))
            .DistinctBy(s => string.Join("/", s)).OrderBy(s => s.Length);
        foreach (var scope in scopes)
        {
            var members = Enumerable.Range(0, _nodes.Count).Where(i => _nodes[i].Scope.Take(scope.Length).SequenceEqual(scope)).ToList();
            double depth = _nodes.Where((_, i) => members.Contains(i)).Max(n => n.Scope.Count) - scope.Length + 1;
            double x0 = members.Min(i => At(layout.Centers[i]).X - sizes[i].W / 2) - ClusterPad * depth;
            double x1 = members.Max(i => At(layout.Centers[i]).X + sizes[i].W / 2) + ClusterPad * depth;
            double y0 = members.Min(i => At(layout.Centers[i]).Y - sizes[i].H / 2) - ClusterPad * depth - SvgWriter.LineHeight;
            double y1 = members.Max(i => At(layout.Centers[i]).Y + sizes[i].H / 2) + ClusterPad * depth;
            svg.Rect(x0, y0, x1 - x0, y1 - y0, "cluster");
            svg.Text(x0 + 6, y0 + 13, scope[^1], "cluster-label", "start");
        }

        // Edges: a smooth curve through the layout's route, leaving and entering the boxes' sides.
        // Several edges at one box are spread along its side in the order of where they come from.
        var exitOffset = Ports(e => e.From, e => layout.Routes[e][1].Along, i => _leftToRight ? sizes[i].H : sizes[i].W);
        var entryOffset = Ports(e => e.To, e => layout.Routes[e][^2].Along, i => _leftToRight ? sizes[i].H : sizes[i].W);
        for (int e = 0; e < _edges.Count; e++)
        {
            var (from, to) = _edges[e];
            var route = layout.Routes[e].ToList();
            route[0] = route[0] with { Along = route[0].Along + exitOffset[e] };
            route[^1] = route[^1] with { Along = route[^1].Along + entryOffset[e] };
            double startDepth = _leftToRight ? sizes[from].W : sizes[from].H, endDepth = _leftToRight ? sizes[to].W : sizes[to].H;
            route[0] = route[0] with { Rank = route[0].Rank + startDepth / 2 };
            route[^1] = route[^1] with { Rank = route[^1].Rank - endDepth / 2 - 2 };
            var d = new StringBuilder();
            var (sx, sy) = At(route[0]);
            d.Append(CultureInfo.InvariantCulture, $"M{SvgWriter.Num(sx)},{SvgWriter.Num(sy)}");
            for (int i = 1; i < route.Count; i++)
            {
                double mid = (route[i - 1].Rank + route[i].Rank) / 2;
                var (c1x, c1y) = At(route[i - 1] with { Rank = mid });
                var (c2x, c2y) = At(route[i] with { Rank = mid });
                var (ex, ey) = At(route[i]);
                d.Append(CultureInfo.InvariantCulture, $" C{SvgWriter.Num(c1x)},{SvgWriter.Num(c1y)} {SvgWriter.Num(c2x)},{SvgWriter.Num(c2y)} {SvgWriter.Num(ex)},{SvgWriter.Num(ey)}");
            }
            svg.Path(d.ToString(), "edge");
        }

        for (int i = 0; i < _nodes.Count; i++)
        {
            var (cx, cy) = At(layout.Centers[i]);
            double x = cx - sizes[i].W / 2, y = cy - sizes[i].H / 2;
            svg.Rect(x, y, sizes[i].W, sizes[i].H, "layer", Fill(_nodes[i].Layer), _nodes[i].Id);
            for (int line = 0; line < labels[i].Length; line++)
                svg.Text(cx, y + PadY + (line + 1) * SvgWriter.LineHeight - 4, labels[i][line], line == 0 ? "name" : "shape");
        }
        var (width, height) = _leftToRight ? (layout.Size.Rank, layout.Size.Along) : layout.Size;
        const string css = """
            .layer { stroke: #34495e; stroke-width: 1; }
            .name { font-weight: bold; }
            .shape { fill: #424949; }
            .cluster { fill: #fbfcfc; stroke: #7f8c8d; stroke-dasharray: 5 3; }
            .cluster-label { fill: #7f8c8d; font-style: italic; }
            .edge { fill: none; stroke: #566573; stroke-width: 1.3; marker-end: url(#arrow); }
            """;
        const string arrow = """<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#566573"/></marker></defs>""";
        return svg.Document(Math.Max(width, 60), Math.Max(height, 40), _model.Name, css, arrow);
    }

    /// <summary>Offsets along a box's side for the edges that leave (or enter) it, ordered by the far end's position.</summary>
    private double[] Ports(Func<(int From, int To), int> box, Func<int, double> farEnd, Func<int, double> side)
    {
        var offsets = new double[_edges.Count];
        foreach (var group in Enumerable.Range(0, _edges.Count).GroupBy(e => box(_edges[e])))
        {
            var ordered = group.OrderBy(farEnd).ThenBy(e => e).ToList();
            double step = Math.Min(16, side(group.Key) * 0.8 / Math.Max(1, ordered.Count - 1));
            for (int k = 0; k < ordered.Count; k++) offsets[ordered[k]] = (k - (ordered.Count - 1) / 2.0) * step;
        }
        return offsets;
    }

    internal string ToDot()
    {
        static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var dot = new StringBuilder();
        dot.Append(CultureInfo.InvariantCulture, $"digraph {Quote(_model.Name)} {{\n");
        dot.Append(CultureInfo.InvariantCulture, $"  graph [rankdir={(_leftToRight ? "LR" : "TB")}, concentrate=false];\n");
        dot.Append("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n");
        void Emit(IEnumerable<int> members, int depth, string[] scope, string indent)
        {
            var list = members.ToList();
            foreach (int i in list.Where(i => _nodes[i].Scope.Count == depth))
                dot.Append(CultureInfo.InvariantCulture, $"{indent}{Quote(_nodes[i].Id)} [label={Quote(string.Join("\n", Label(_nodes[i])))}, fillcolor={Quote(Fill(_nodes[i].Layer))}];\n");
            foreach (var group in list.Where(i => _nodes[i].Scope.Count > depth).GroupBy(i => _nodes[i].Scope[depth]))
            {
                string[] inner = [.. scope, group.Key];
                dot.Append(CultureInfo.InvariantCulture, $"{indent}subgraph {Quote("cluster_" + string.Join("/", inner))} {{\n{indent}  label={Quote(group.Key)}; style=dashed;\n");
                Emit(group, depth + 1, inner, indent + "  ");
                dot.Append(indent).Append("}\n");
            }
        }
        Emit(Enumerable.Range(0, _nodes.Count), 0, [], "  ");
        foreach (var (from, to) in _edges) dot.Append(CultureInfo.InvariantCulture, $"  {Quote(_nodes[from].Id)} -> {Quote(_nodes[to].Id)};\n");
        dot.Append("}\n");
        return dot.ToString();
    }
}
