using System.Collections.Concurrent;
using System.IO.Compression;
using System.Reflection;

namespace Microsoft.ML;

/// <summary>
/// Marks a transformer class that can be read back from a saved model: the class has a static
/// method <c>Create(ModelLoadContext)</c> returning the transformer, and its <c>Save</c> writes
/// the same signature with <c>ModelSaveContext.SetLoader</c>.
/// </summary>
/// <param name="signature">The name written in model files.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
internal sealed class ModelLoaderAttribute(string signature) : Attribute
{
    internal string Signature { get; } = signature;
}

/// <summary>Where a transformer reads itself back from when a model is loaded; its members are internal, as in ML.NET.</summary>
public sealed class ModelLoadContext
{
    private static readonly ConcurrentDictionary<string, MethodInfo> s_loaders = new(StringComparer.Ordinal);
    private readonly ZipArchive _zip;

    internal ModelLoadContext(ZipArchive zip, string directory, string path) => (_zip, Directory, Path) = (zip, directory, path);

    /// <summary>The folder of the zip this transformer reads from.</summary>
    internal string Directory { get; }

    /// <summary>The model file, for error messages.</summary>
    internal string Path { get; }

    internal ModelLoadContext Child(string name) => new(_zip, Entry(name), Path);

    private string Entry(string name) => Directory.Length == 0 ? name : $"{Directory}/{name}";

    internal bool Contains(string name) => _zip.GetEntry(Entry(name)) is not null;

    internal string LoadText(string name)
    {
        using var reader = new StreamReader(Open(name));
        return reader.ReadToEnd();
    }

    internal Stream Open(string name) =>
        (_zip.GetEntry(Entry(name)) ?? throw new InvalidDataException($"{Path}: the model has no entry '{Entry(name)}'; the file is incomplete or not an ML.NET model saved by this library.")).Open();

    /// <summary>Reads back the model saved under <paramref name="name"/> with its loader.</summary>
    /// <exception cref="InvalidDataException">The entry is missing or names an unknown loader.</exception>
    internal ITransformer LoadModel(string name)
    {
        var child = Child(name);
        string signature = child.LoadText("loader.txt").Trim();
        var create = FindLoader(signature)
            ?? throw new InvalidDataException($"{Path}: '{child.Directory}' was saved by '{signature}', which no loaded assembly provides (load the assembly that defines it first).");
        try
        {
            return (ITransformer)create.Invoke(null, [child])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static MethodInfo? FindLoader(string signature)
    {
        if (s_loaders.TryGetValue(signature, out var known)) return known;
        var shim = typeof(ModelLoadContext).Assembly;
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly != shim && !assembly.GetReferencedAssemblies().Any(a => a.Name == shim.GetName().Name)) continue;
            Type[] types;
            try { types = assembly.GetTypes(); }
            catch (ReflectionTypeLoadException e) { types = [.. e.Types.OfType<Type>()]; }
            foreach (var type in types)
            {
                if (type.GetCustomAttribute<ModelLoaderAttribute>() is not { } attribute) continue;
                // A generic transformer (TransformerChain<T>) loads as its ITransformer form.
                var concrete = type.IsGenericTypeDefinition && type.GetGenericArguments().Length == 1 ? type.MakeGenericType(typeof(ITransformer)) : type;
                var method = concrete.GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(ModelLoadContext)]);
                if (method is not null && typeof(ITransformer).IsAssignableFrom(method.ReturnType)) s_loaders.TryAdd(attribute.Signature, method);
            }
        }
        return s_loaders.GetValueOrDefault(signature);
    }
}
