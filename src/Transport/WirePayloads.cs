// Returns the float payloads of a message the bulk channel owns (it was told to a proxy or a reply route) to the pool.
using System.Collections.Concurrent;
using System.Reflection;

namespace Dtrain.Protocol.Transport;

/// <summary>
/// A message handed to the channel carries ownership of its <see cref="FloatBuffer"/>s, as a message told to an actor
/// does; once sent (or dropped) the channel is their last user and recycles them.
/// </summary>
internal static class WirePayloads
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> PayloadProperties = new();

    /// <summary>Releases every <see cref="FloatBuffer"/> property of <paramref name="message"/> (top level: where the tensors are).</summary>
    public static void Release(IWireMessage message)
    {
        foreach (var property in PayloadProperties.GetOrAdd(message.GetType(), Find))
        {
            (property.GetValue(message) as FloatBuffer)?.Release();
        }
    }

    private static PropertyInfo[] Find(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.PropertyType == typeof(FloatBuffer)).ToArray();
}
