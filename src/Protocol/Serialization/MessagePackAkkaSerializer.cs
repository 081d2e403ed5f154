// The Akka serializer for every IWireMessage: MessagePack with stable integer keys and raw float payloads.
using Akka.Actor;
using Akka.Serialization;
using Dtrain.Protocol.Persistence;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace Dtrain.Protocol.Serialization;

/// <summary>
/// Serializes <see cref="IWireMessage"/> records with MessagePack. The manifest is the message's type
/// name (<see cref="WireTypes"/>), so a node only ever instantiates types of the Protocol assembly that are wire messages.
/// </summary>
public sealed class MessagePackAkkaSerializer : SerializerWithStringManifest
{
    /// <summary>Serializer id registered in Akka's configuration (ids below 100 are Akka's own).</summary>
    public const int Id = 4711;

    private readonly MessagePackSerializerOptions _options;

    /// <summary>Created by Akka from configuration.</summary>
    public MessagePackAkkaSerializer(ExtendedActorSystem system) : base(system)
    {
        var resolver = CompositeResolver.Create(
            [new ActorRefFormatter(system), new FloatBufferFormatter()],
            [StandardResolver.Instance]);
        _options = MessagePackSerializerOptions.Standard.WithResolver(resolver).WithSecurity(MessagePackSecurity.UntrustedData);
    }

    /// <inheritdoc/>
    public override int Identifier => Id;

    /// <inheritdoc/>
    public override string Manifest(object o) => WireTypes.ManifestOf(o.GetType());

    /// <inheritdoc/>
    public override byte[] ToBinary(object obj)
    {
        _ = WireTypes.ManifestOf(obj.GetType()); // refuses anything that is not a wire message, in WireTypes' words
        var bytes = MessagePackSerializer.Serialize(obj.GetType(), obj, _options);

        // Journal events outlive the process that wrote them: they carry a CRC like the snapshots do.
        return obj is JobEvents.IJobEvent ? JournalSeal.Seal(bytes) : bytes;
    }

    /// <inheritdoc/>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        var type = WireTypes.Resolve(manifest);
        return typeof(JobEvents.IJobEvent).IsAssignableFrom(type)
            ? OpenJobEvent(type, bytes)
            : MessagePackSerializer.Deserialize(type, bytes, _options)
                ?? throw new System.Runtime.Serialization.SerializationException($"message {manifest} deserialized to null");
    }

    /// <summary>
    /// A journal event, its seal checked: a damaged one comes back as <see cref="DamagedEvent"/> rather than an
    /// exception, so the journal can name it and fall back where that is safe instead of failing all of recovery.
    /// </summary>
    private object OpenJobEvent(Type type, byte[] bytes)
    {
        var (kind, payload, why) = JournalSeal.Open(bytes);
        if (kind == JournalSeal.Kind.Damaged)
        {
            return new DamagedEvent(type.Name, why!);
        }

        try
        {
            // The event must fill its payload exactly: a changed first byte of a sealed event can make the whole
            // record read as an unsealed one (an empty array then trailing bytes), which is damage, not an old event.
            var reader = new MessagePackReader(payload);
            var e = MessagePackSerializer.Deserialize(type, ref reader, _options) as JobEvents.IJobEvent;
            return e is null ? new DamagedEvent(type.Name, "it deserialized to nothing")
                : !reader.End ? new DamagedEvent(type.Name, $"{payload.Length - reader.Consumed} bytes follow the event")
                : kind == JournalSeal.Kind.Unsealed ? new UnsealedEvent(e) : e;
        }
        catch (MessagePackSerializationException ex)
        {
            return new DamagedEvent(type.Name, $"its payload does not read: {ex.GetBaseException().Message}");
        }
    }
}
