namespace Dtrain.Worker; internal static class Placeholder { }
