// Marker for every message that may cross a process boundary; Akka binds it to the MessagePack serializer.
namespace Dtrain.Protocol;

/// <summary>
/// A message that may travel between nodes. Implementations are immutable MessagePack records with
/// stable integer keys, serialized by <see cref="Serialization.MessagePackAkkaSerializer"/>.
/// </summary>
public interface IWireMessage;
