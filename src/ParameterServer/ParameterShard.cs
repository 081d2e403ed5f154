// Entry point of the parameter-server role: Props for a shard actor. Messages live in Protocol.
using Akka.Actor;

namespace Dtrain.ParameterServer;

/// <summary>
/// A parameter-server shard: owns a set of parameter chunks and their optimizer state, applies pushed
/// gradients as they arrive and answers pulls. Speaks <see cref="Protocol.ParameterShardProtocol"/>.
/// </summary>
public static class ParameterShard
{
    /// <summary>Props for an uninitialized shard; it serves once it receives <c>InitShard</c>.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new ParameterShardActor());
}
