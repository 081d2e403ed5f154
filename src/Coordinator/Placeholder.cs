namespace Dtrain.Coordinator; internal static class Placeholder { }
