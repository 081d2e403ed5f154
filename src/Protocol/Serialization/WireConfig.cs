// The Akka configuration that binds every wire message to the MessagePack serializer.
using Akka.Configuration;

namespace Dtrain.Protocol.Serialization;

/// <summary>HOCON fragments every dtrain actor system starts with.</summary>
public static class WireConfig
{
    /// <summary>Serializer binding: all <see cref="IWireMessage"/> types go through MessagePack.</summary>
    public static Config Serialization { get; } = ConfigurationFactory.ParseString("""
        akka.actor {
          serializers {
            msgpack = "Dtrain.Protocol.Serialization.MessagePackAkkaSerializer, Dtrain.Protocol"
          }
          serialization-bindings {
            "Dtrain.Protocol.IWireMessage, Dtrain.Protocol" = msgpack
          }
          serialization-identifiers {
            "Dtrain.Protocol.Serialization.MessagePackAkkaSerializer, Dtrain.Protocol" = 4711
          }
        }
        """);

    /// <summary>
    /// Largest message Akka.Remote carries between processes. Tensors go over the bulk channel; what remains large
    /// is a submission (the model file's text travels in it), so this bounds the model file a cluster accepts.
    /// </summary>
    public const int MaxFrameBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Remoting frames of up to <see cref="MaxFrameBytes"/> (Akka's default is 128,000 bytes, below a 258 kB model file:
    /// such a submission was dropped with only an Akka log line, and the client waited for an answer that never came).
    /// </summary>
    public static Config Remote { get; } = ConfigurationFactory.ParseString($$"""
        akka.remote.dot-netty.tcp {
          maximum-frame-size = {{MaxFrameBytes}}b
          send-buffer-size = {{MaxFrameBytes}}b
          receive-buffer-size = {{MaxFrameBytes}}b
        }
        """);

    /// <summary>A dedicated thread per worker actor: a training step is seconds of CPU, not a quick message.</summary>
    public static Config Dispatchers { get; } = ConfigurationFactory.ParseString("""
        dtrain.worker-dispatcher {
          type = PinnedDispatcher
          executor = thread-pool-executor
        }
        """);

    /// <summary>Everything a single-process run needs; <paramref name="serializeMessages"/> forces every message through the serializer (tests).</summary>
    public static Config SingleProcess(bool serializeMessages) =>
        ConfigurationFactory.ParseString($"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.actor.serialize-messages = {(serializeMessages ? "on" : "off")}
            akka.log-dead-letters = 0
            akka.log-dead-letters-during-shutdown = off
            """)
            .WithFallback(Serialization)
            .WithFallback(Dispatchers);
}
