namespace Dtrain.ParameterServer; internal static class Placeholder { }
