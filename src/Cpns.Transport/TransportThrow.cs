using System.Diagnostics.CodeAnalysis;

namespace Cpns.Transport;

/// <summary>The one place the transport library builds its exceptions.</summary>
internal static class TransportThrow
{
    [DoesNotReturn]
    public static void InvalidId(string paramName, string? value) =>
        throw new ArgumentException(
            $"'{value}' is not a valid identifier: 1 to {Topics.MaxIdLength} characters of [A-Za-z0-9._:-].", paramName);

    [DoesNotReturn]
    public static void InvalidArgument(string paramName, string message) =>
        throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void Refused(string message) => throw new TransportException(message);

    [DoesNotReturn]
    public static void Malformed(string message) => throw new FormatException(message);

    [DoesNotReturn]
    public static void InvalidOperation(string message) => throw new InvalidOperationException(message);
}
