// Which type a wire manifest names, and the manifest of a type: written once, for the Akka serializer and the bulk
// channel's codec, which both put the manifest beside a MessagePack body and read it back from the network.
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Dtrain.Protocol.Serialization;

/// <summary>
/// A wire message's manifest is its type's full name (e.g. <c>Dtrain.Protocol.ParameterShardProtocol+Push</c>), in
/// Akka.Remote envelopes, bulk frames and stored journal events alike. Only <see cref="IWireMessage"/> types of the
/// Protocol assembly resolve: the name comes off the network or out of a database, so nothing else is ever
/// instantiated from it.
/// </summary>
public static class WireTypes
{
    // Only names that resolved are cached: a peer sending made-up manifests cannot grow these.
    private static readonly ConcurrentDictionary<string, Type> TypesByManifest = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Type, string> ManifestsByType = new();
    private static readonly ConcurrentDictionary<Type, byte[]> Utf8ManifestsByType = new();

    /// <summary>The manifest of <paramref name="type"/>; <see cref="ArgumentException"/> (<see cref="Refusal"/>) when it is not a wire message.</summary>
    public static string ManifestOf(Type type) =>
        ManifestsByType.TryGetValue(type, out var manifest) ? manifest
            : IsWireMessage(type) ? ManifestsByType.GetOrAdd(type, type.FullName!)
            : throw new ArgumentException(Refusal(type.FullName), nameof(type));

    /// <summary>The UTF-8 bytes of <see cref="ManifestOf"/>, as a bulk frame carries them (the same array every time: do not write to it).</summary>
    public static byte[] Utf8ManifestOf(Type type) =>
        Utf8ManifestsByType.TryGetValue(type, out var bytes) ? bytes : Utf8ManifestsByType.GetOrAdd(type, Encoding.UTF8.GetBytes(ManifestOf(type)));

    /// <summary>The wire message type <paramref name="manifest"/> names; false for anything else.</summary>
    public static bool TryResolve(string manifest, [NotNullWhen(true)] out Type? type)
    {
        if (TypesByManifest.TryGetValue(manifest, out type))
        {
            return true;
        }

        type = Lookup(manifest);
        if (type is null || !IsWireMessage(type))
        {
            type = null;
            return false;
        }

        type = TypesByManifest.GetOrAdd(manifest, type);
        return true;
    }

    /// <summary>The wire message type <paramref name="manifest"/> names; a <see cref="System.Runtime.Serialization.SerializationException"/> (<see cref="Refusal"/>) for anything else.</summary>
    public static Type Resolve(string manifest) =>
        TryResolve(manifest, out var type) ? type : throw new System.Runtime.Serialization.SerializationException(Refusal(manifest));

    /// <summary>The one line that refuses a manifest (or a type's would-be manifest) that is not a wire message.</summary>
    public static string Refusal(string? manifest) =>
        $"'{manifest}' is not a wire message type (an {nameof(IWireMessage)} of {typeof(IWireMessage).Assembly.GetName().Name})";

    /// <summary>A type of the Protocol assembly by name; null, not an exception, for a name that cannot be one (empty, or naming type arguments elsewhere).</summary>
    private static Type? Lookup(string manifest)
    {
        try
        {
            return manifest.Length == 0 ? null : typeof(IWireMessage).Assembly.GetType(manifest, throwOnError: false);
        }
        catch (Exception e) when (e is ArgumentException or IOException or BadImageFormatException or TypeLoadException)
        {
            return null;
        }
    }

    private static bool IsWireMessage(Type type) =>
        type.Assembly == typeof(IWireMessage).Assembly && typeof(IWireMessage).IsAssignableFrom(type) && type is { IsAbstract: false, IsInterface: false };
}
