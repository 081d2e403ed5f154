// MessagePack formatter for actor references: written as their full path, resolved by the receiving system.
using Akka.Actor;
using MessagePack;
using MessagePack.Formatters;

namespace Dtrain.Protocol.Serialization;

/// <summary>Serializes <see cref="IActorRef"/> as a path string that the receiving actor system resolves.</summary>
public sealed class ActorRefFormatter(ExtendedActorSystem system) : IMessagePackFormatter<IActorRef?>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, IActorRef? value, MessagePackSerializerOptions options)
    {
        if (value is null || value.IsNobody())
        {
            writer.WriteNil();
            return;
        }

        writer.Write(Akka.Serialization.Serialization.SerializedActorPath(value));
    }

    /// <inheritdoc/>
    public IActorRef? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return ActorRefs.Nobody;
        }

        var path = reader.ReadString() ?? throw new MessagePackSerializationException("actor path is null");
        return system.Provider.ResolveActorRef(path);
    }
}
