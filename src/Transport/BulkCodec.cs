// MessagePack for the bulk channel: the serializer's resolver, except that float payloads leave the body and
// travel as raw bytes after it, so they are written from and read into pooled buffers directly.
using Akka.Actor;
using Dtrain.Protocol.Serialization;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace Dtrain.Protocol.Transport;

/// <summary>
/// One per connection direction (it is not thread-safe): the same resolver as
/// <see cref="MessagePackAkkaSerializer"/> with <see cref="FloatBuffer"/> swapped for an out-of-band formatter.
/// </summary>
internal sealed class BulkCodec
{
    private readonly PayloadFormatter _payloads = new();

    public BulkCodec(ExtendedActorSystem system)
    {
        var resolver = CompositeResolver.Create([new ActorRefFormatter(system), _payloads], [StandardResolver.Instance]);
        Options = MessagePackSerializerOptions.Standard.WithResolver(resolver).WithSecurity(MessagePackSecurity.UntrustedData);
    }

    public MessagePackSerializerOptions Options { get; }

    /// <summary>Serializes <paramref name="message"/>'s body into <paramref name="body"/>; its float payloads land in <paramref name="payloads"/>.</summary>
    public void Serialize(IWireMessage message, FrameBuffer body, List<FloatBuffer> payloads)
    {
        _payloads.Outgoing = payloads;
        try
        {
            MessagePackSerializer.Serialize(message.GetType(), body, message, Options);
        }
        finally
        {
            _payloads.Outgoing = null;
        }
    }

    /// <summary>Rebuilds a message from its manifest, body and the payloads read after it (all of which it must use).</summary>
    public IWireMessage Deserialize(string manifest, ReadOnlyMemory<byte> body, Queue<FloatBuffer> payloads)
    {
        // Only wire-message types of the Protocol assembly, as the Akka serializer: the name comes off the network.
        var type = WireTypes.TryResolve(manifest, out var known) ? known : throw new MalformedFrameException(WireTypes.Refusal(manifest));
        _payloads.Incoming = payloads;
        try
        {
            var message = MessagePackSerializer.Deserialize(type, body, Options) as IWireMessage
                ?? throw new MalformedFrameException($"{manifest} deserialized to null");
            if (payloads.Count != 0)
            {
                throw new MalformedFrameException($"{manifest} left {payloads.Count} float payload(s) unused");
            }

            return message;
        }
        catch (MessagePackSerializationException e)
        {
            throw new MalformedFrameException($"{manifest} body does not deserialize: {e.InnerException?.Message ?? e.Message}", e);
        }
        finally
        {
            _payloads.Incoming = null;
        }
    }

    /// <summary>
    /// Writes a payload as its float count and hands the buffer to the frame writer, which sends its bytes after the
    /// body; reads the count back and takes the next buffer the frame reader already filled.
    /// </summary>
    private sealed class PayloadFormatter : IMessagePackFormatter<FloatBuffer?>
    {
        public List<FloatBuffer>? Outgoing { get; set; }

        public Queue<FloatBuffer>? Incoming { get; set; }

        public void Serialize(ref MessagePackWriter writer, FloatBuffer? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }

            var outgoing = Outgoing ?? throw new InvalidOperationException("payload formatter used outside BulkCodec.Serialize");
            _ = value.Span; // throws ObjectDisposedException for a released buffer before anything is written
            writer.Write(value.Length);
            outgoing.Add(value);
        }

        public FloatBuffer? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
            {
                return null;
            }

            var floats = reader.ReadInt32();
            var incoming = Incoming ?? throw new InvalidOperationException("payload formatter used outside BulkCodec.Deserialize");
            if (!incoming.TryDequeue(out var buffer))
            {
                throw new MessagePackSerializationException($"body names a payload of {floats} floats that the frame does not carry");
            }

            if (buffer.Length != floats)
            {
                buffer.Release();
                throw new MessagePackSerializationException($"body names a payload of {floats} floats, the frame carries {buffer.Length}");
            }

            return buffer;
        }
    }
}
