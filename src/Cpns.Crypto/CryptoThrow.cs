using System.Diagnostics.CodeAnalysis;

namespace Cpns.Crypto;

/// <summary>The one place the library's exceptions come from, so their texts stay uniform and free of key bytes.</summary>
internal static class CryptoThrow
{
    [DoesNotReturn]
    public static void Argument(string paramName, string message) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ArgumentOutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);

    [DoesNotReturn]
    public static void InvalidFormat(string what) => throw new FormatException($"The {what} is not a valid encoding.");

    public static void IfDisposed([DoesNotReturnIf(true)] bool disposed, object instance) => ObjectDisposedException.ThrowIf(disposed, instance);
}
