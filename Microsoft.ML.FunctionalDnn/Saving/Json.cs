using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Microsoft.ML.FunctionalDnn.Saving;

/// <summary>
/// System.Text.Json's default options with the reflection-based resolver named explicitly. Apps
/// that turn the reflection default off — .NET 10 file-based apps, trimmed and AOT-published apps
/// (<c>JsonSerializerIsReflectionEnabledByDefault=false</c>) — would otherwise fail every config,
/// metadata and header this library writes or reads.
/// </summary>
internal static class Json
{
    internal static JsonSerializerOptions Options { get; } = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
}
