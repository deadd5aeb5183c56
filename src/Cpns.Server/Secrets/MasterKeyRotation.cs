using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Server.Domain;
using Cpns.Server.Hosting;
using Cpns.Server.Storage;
using Cpns.Transport;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Secrets;

/// <summary>
/// Re-seals every secret at rest under a new master key (docs/operations.md, "Rotating the master key"): the GK of
/// every epoch, every per-gateway key, the server CA's private key, and the HTTPS certificate the server made. The
/// database changes in one transaction, so a crash leaves either every row under the old key or every row under
/// the new one. When the key lives in <c>master.key</c>, the new key is first written to <c>master.key.new</c>
/// (which stops the server from starting), the transaction commits, and the file then replaces <c>master.key</c>;
/// running the rotation again after a crash finishes whichever half is left. Every instance must be stopped.
/// </summary>
internal static class MasterKeyRotation
{
    public const string PendingFileName = "master.key.new";

    private static ReadOnlySpan<byte> CaKeyPurpose => "cpns/ca-key/v1"u8;

    /// <summary>Rotates; returns how many group keys and gateway keys were re-sealed.</summary>
    /// <param name="options">The server's settings: the database and the current master key.</param>
    /// <param name="newKeyOutput">Where to write the new key (base64, mode 0600) when the current one comes from the option or <c>CPNS_MASTER_KEY</c>; ignored for <c>master.key</c>.</param>
    /// <param name="cancellationToken">Gives up before the commit.</param>
    public static async Task<(int GroupKeys, int GatewayKeys)> RotateAsync(ServerOptions options, string? newKeyOutput, CancellationToken cancellationToken)
    {
        var fromFile = MasterKey.IsFromFile(options);
        var pending = Path.Combine(options.DataDirectory, PendingFileName);
        var current = Path.Combine(options.DataDirectory, MasterKey.FileName);
        if (!fromFile && string.IsNullOrWhiteSpace(newKeyOutput))
        {
            throw new InvalidOperationException("The master key comes from CPNS_MASTER_KEY or the settings: give --new-key-out FILE for the new key.");
        }

        using var newKey = fromFile && File.Exists(pending) ? ReadKeyFile(pending) : MasterKey.Generate();
        if (fromFile && !File.Exists(pending))
        {
            WriteSecretFile(pending, newKey.Key.ToArray());
        }
        else if (!fromFile)
        {
            WriteSecretFile(newKeyOutput!, System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(newKey.Key) + "\n"));
        }

        using var oldKey = fromFile ? ReadKeyFile(current) : MasterKey.Load(options);
        var counts = await ResealDatabaseAsync(options, oldKey, newKey, cancellationToken).ConfigureAwait(false);
        ResealHttpsCertificate(options, oldKey, newKey);
        if (fromFile)
        {
            File.Move(pending, current, overwrite: true);
        }

        return counts;
    }

    private static async Task<(int, int)> ResealDatabaseAsync(ServerOptions options, MasterKey oldKey, MasterKey newKey, CancellationToken cancellationToken)
    {
        var database = new CpnsDatabase(Microsoft.Extensions.Options.Options.Create(options), Microsoft.Extensions.Logging.Abstractions.NullLogger<CpnsDatabase>.Instance);
        await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var oldProtector = new SecretProtector(oldKey);
        var newProtector = new SecretProtector(newKey);
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var authority = await db.Authorities.SingleOrDefaultAsync(a => a.Id == ServerAuthority.SingletonId, cancellationToken).ConfigureAwait(false);
            if (authority is not null)
            {
                if (TryImport(authority.Pem, newProtector.DerivePassword(CaKeyPurpose)) is { } done)
                {
                    // The commit of an earlier run went through; only the key file was left to move.
                    done.Dispose();
                    return (0, 0);
                }

                using var ca = TryImport(authority.Pem, oldProtector.DerivePassword(CaKeyPurpose))
                    ?? throw new InvalidOperationException("The current master key does not open the server CA: wrong key, or a database of another server.");
                authority.Pem = ca.ExportEncryptedPem(newProtector.DerivePassword(CaKeyPurpose));
            }

            var groupKeys = await db.GroupKeys.ToListAsync(cancellationToken).ConfigureAwait(false);
            var plain = new byte[64];
            try
            {
                foreach (var row in groupKeys)
                {
                    var length = row.SealedKey.Length - SecretProtector.Overhead;
                    if (!oldProtector.TryOpenGroupKey(row.GroupId, row.Epoch, row.SealedKey, plain))
                    {
                        throw new InvalidOperationException($"The current master key does not open the GK of group {row.GroupId} epoch {row.Epoch}.");
                    }

                    row.SealedKey = newProtector.SealGroupKey(row.GroupId, row.Epoch, plain.AsSpan(0, length));
                    CryptographicOperations.ZeroMemory(plain);
                }

                var gateways = await db.Gateways.Where(g => g.SealedKey != null).ToListAsync(cancellationToken).ConfigureAwait(false);
                foreach (var gateway in gateways)
                {
                    var length = gateway.SealedKey!.Length - SecretProtector.Overhead;
                    if (!oldProtector.TryOpenGatewayKey(gateway.Id, gateway.SealedKey, plain))
                    {
                        throw new InvalidOperationException($"The current master key does not open the key of gateway {gateway.Id}.");
                    }

                    gateway.SealedKey = newProtector.SealGatewayKey(gateway.Id, plain.AsSpan(0, length));
                    CryptographicOperations.ZeroMemory(plain);
                }

                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return (groupKeys.Count, gateways.Count);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plain);
            }
        }
    }

    /// <summary>The self-made HTTPS certificate's PFX is encrypted with a password from the master key: re-encrypt it (a configured PFX is the operator's).</summary>
    private static void ResealHttpsCertificate(ServerOptions options, MasterKey oldKey, MasterKey newKey)
    {
        var path = Path.Combine(options.DataDirectory, HttpsCertificate.FileName);
        if (options.CertificatePath is not null || !File.Exists(path))
        {
            return;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, HttpsCertificate.DerivePassword(oldKey), X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException)
        {
            // Already under the new key (an earlier run got this far).
            return;
        }

        using (certificate)
        {
            var temporary = path + ".tmp";
            WriteSecretFile(temporary, certificate.Export(X509ContentType.Pfx, HttpsCertificate.DerivePassword(newKey)));
            File.Move(temporary, path, overwrite: true);
        }
    }

    private static CertificateAuthority? TryImport(string pem, string password)
    {
        try
        {
            return CertificateAuthority.ImportEncryptedPem(pem, password);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static MasterKey ReadKeyFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            return MasterKey.FromBytes(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static void WriteSecretFile(string path, byte[] content)
    {
        try
        {
            File.Delete(path);
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(path, fileOptions);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }
}
