using System.Diagnostics.CodeAnalysis;

namespace Cpns.Gateway;

/// <summary>The one place the gateway's exceptions come from; their texts never carry key bytes or codes.</summary>
internal static class GatewayThrow
{
    [DoesNotReturn]
    public static void Argument(string paramName, string message) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void InvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn]
    public static void Startup(string message) => throw new GatewayStartupException(message);

    [DoesNotReturn]
    public static void CorruptState(string what) =>
        throw new GatewayStartupException($"The stored {what} cannot be opened with the local master key (gateway.key replaced, or gateway.db altered).");
}
