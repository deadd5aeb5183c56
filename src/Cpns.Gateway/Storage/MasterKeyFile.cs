using Cpns.Crypto;
using System.Security.Cryptography;

namespace Cpns.Gateway.Storage;

/// <summary>
/// The local master key <c>gateway.key</c>: 32 random bytes, created with mode 0600, that seal every
/// secret in gateway.db. A file readable by group or others is refused: a key anyone on the machine
/// can read protects nothing.
/// </summary>
internal static class MasterKeyFile
{
    public const string FileName = "gateway.key";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode TooWide =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Loads the key, creating it when the file does not exist.</summary>
    /// <exception cref="GatewayStartupException">The file's mode is wider than 0600 or it is not 32 bytes.</exception>
    public static WrappingKey LoadOrCreate(string dataDirectory, out bool created)
    {
        var path = Path.Combine(dataDirectory, FileName);
        created = false;
        if (!File.Exists(path))
        {
            created = TryCreate(path);
        }

        CheckMode(path);
        var bytes = GC.AllocateArray<byte>(WrappingKey.KeySize + 1, pinned: true);
        try
        {
            int read;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            }

            if (read != WrappingKey.KeySize)
            {
                GatewayThrow.Startup($"The master key file '{path}' must hold exactly {WrappingKey.KeySize} bytes; it holds {read}{(read > WrappingKey.KeySize ? " or more" : string.Empty)}.");
            }

            return WrappingKey.Import(bytes.AsSpan(0, WrappingKey.KeySize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static bool TryCreate(string path)
    {
        Span<byte> key = stackalloc byte[WrappingKey.KeySize];
        RandomNumberGenerator.Fill(key);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                // Created 0600 from the first byte: never briefly readable by others.
                options.UnixCreateMode = OwnerOnly;
            }

            using var stream = new FileStream(path, options);
            stream.Write(key);
            stream.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first; use theirs.
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static void CheckMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & TooWide) != 0)
        {
            GatewayThrow.Startup(
                $"The master key file '{path}' has mode {Convert.ToString((int)mode, 8)}, wider than 0600: group or others may read it. " +
                $"Restrict it with 'chmod 600 {path}' (and consider the key compromised if others could read it).");
        }
    }
}
