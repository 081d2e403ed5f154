namespace Dtrain.Protocol; internal static class Placeholder { }
