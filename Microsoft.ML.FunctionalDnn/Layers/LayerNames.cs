using System.Collections.Concurrent;
using System.Text;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// Keras-style automatic layer names: the class name in snake case, then <c>_1</c>, <c>_2</c> …
/// for later layers of the same kind (<c>dense</c>, <c>dense_1</c>, …). Like Keras's backend
/// name counters these are process-wide; <see cref="Reset"/> is Keras's <c>clear_session</c>.
/// </summary>
public static class LayerNames
{
    private static readonly ConcurrentDictionary<string, int> s_counters = new();

    /// <summary>The next unused automatic name for <paramref name="baseName"/>.</summary>
    public static string Unique(string baseName)
    {
        int n = s_counters.AddOrUpdate(baseName, 0, (_, v) => v + 1);
        return n == 0 ? baseName : $"{baseName}_{n}";
    }

    /// <summary>Restarts the counters, so the next Dense is named <c>dense</c> again.</summary>
    public static void Reset() => s_counters.Clear();

    /// <summary>
    /// Counters started afresh until the scope ends, then put back as they were:
    /// <c>using (LayerNames.FreshScope()) model = Build();</c> gives a model built inside the same
    /// automatic names every time (a tuner's builds, or any rebuilt model whose weights are saved
    /// and reloaded by name), without renaming the caller's later layers as <see cref="Reset"/> would.
    /// </summary>
    /// <returns>Disposing it restores the counters as they were when the scope began.</returns>
    public static IDisposable FreshScope()
    {
        var saved = s_counters.ToArray();
        s_counters.Clear();
        return new Restore(saved);
    }

    private sealed class Restore(KeyValuePair<string, int>[] saved) : IDisposable
    {
        public void Dispose()
        {
            s_counters.Clear();
            foreach (var (k, v) in saved) s_counters[k] = v;
        }
    }

    /// <summary><c>Dense</c> → <c>dense</c>, <c>MaxPooling1D</c> → <c>max_pooling1d</c>, <c>Lstm</c> → <c>lstm</c>, <c>Conv2D</c> → <c>conv2d</c>.</summary>
    public static string SnakeCase(string typeName)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        var sb = new StringBuilder();
        for (int i = 0; i < typeName.Length; i++)
        {
            char c = typeName[i];
            bool boundary = i > 0 && char.IsUpper(c) && (char.IsLower(typeName[i - 1]) || (i + 1 < typeName.Length && char.IsLower(typeName[i + 1]) && char.IsUpper(typeName[i - 1])));
            if (boundary) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
