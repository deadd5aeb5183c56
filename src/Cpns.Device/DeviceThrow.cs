using System.Diagnostics.CodeAnalysis;
using Cpns.Device.Storage;

namespace Cpns.Device;

/// <summary>The one place the library's exceptions come from, so their texts stay uniform and free of key bytes.</summary>
internal static class DeviceThrow
{
    [DoesNotReturn]
    public static void Store(DeviceStoreError error, string message, Exception? inner = null) =>
        throw new DeviceStoreException(error, message, inner);

    [DoesNotReturn]
    public static void StoreAuthenticationFailed(string path) =>
        throw new DeviceStoreException(
            DeviceStoreError.AuthenticationFailed,
            $"The key store '{path}' failed authentication: tampered or wrong device key.");

    [DoesNotReturn]
    public static void Argument(string paramName, string message) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ArgumentOutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);

    [DoesNotReturn]
    public static void InvalidOperation(string message) => throw new InvalidOperationException(message);
}
