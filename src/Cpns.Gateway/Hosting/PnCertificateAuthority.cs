using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cpns.Gateway.Pairing;
using Cpns.Transport;

namespace Cpns.Gateway.Hosting;

/// <summary>
/// The PN's certificate authority (docs/architecture.md, "Identities and certificates"), created on the first
/// start. At rest: <c>pn-ca.pem</c> holds the CA certificate and its private key as encrypted PKCS#8 under a
/// random 256-bit password; <c>pn-ca.pass</c> holds that password sealed under the gateway's master key (AD
/// kind <c>pn-ca-password</c>, PN id). Both files are 0600. Issues the PNEs' client certificates during pairing.
/// </summary>
internal sealed class PnCertificateAuthority : IPneCertificateIssuer, IDisposable
{
    public const string PemFileName = "pn-ca.pem";
    public const string PasswordFileName = "pn-ca.pass";
    private const string PasswordKind = "pn-ca-password";

    private PnCertificateAuthority(CertificateAuthority authority) => Authority = authority;

    public CertificateAuthority Authority { get; }

    public X509Certificate2 Certificate => Authority.Certificate;

    public static PnCertificateAuthority LoadOrCreate(GatewayStore store, string directory)
    {
        var pnId = store.RequirePnId();
        var pemPath = Path.Combine(directory, PemFileName);
        var passwordPath = Path.Combine(directory, PasswordFileName);
        if (File.Exists(pemPath) && File.Exists(passwordPath))
        {
            var password = store.Sealer.Open(File.ReadAllBytes(passwordPath), PasswordKind, pnId);
            var chars = Encoding.ASCII.GetChars(password);
            try
            {
                return new PnCertificateAuthority(CertificateAuthority.ImportEncryptedPem(File.ReadAllText(pemPath), chars));
            }
            catch (CryptographicException e)
            {
                throw new GatewayStartupException($"'{pemPath}' does not open with the password in '{passwordPath}': {e.Message}");
            }
            finally
            {
                CryptographicOperations.ZeroMemory(password);
                Array.Clear(chars);
            }
        }

        if (File.Exists(pemPath) || File.Exists(passwordPath))
        {
            GatewayThrow.Startup($"Only one of '{PemFileName}' and '{PasswordFileName}' exists in '{directory}': restore the other, or start from an empty data directory (PNEs then pair again).");
        }

        var authority = CertificateAuthority.Create($"CPNS PN CA {pnId}");
        // 32 random bytes as base64 text: a password with 256 bits of entropy, so PBKDF2's cost is not what protects it.
        var secret = Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var passwordChars = Encoding.ASCII.GetChars(secret);
        try
        {
            WriteOwnerOnly(passwordPath, store.Sealer.Seal(secret, PasswordKind, pnId));
            WriteOwnerOnly(pemPath, Encoding.ASCII.GetBytes(authority.ExportEncryptedPem(passwordChars)));
        }
        catch
        {
            authority.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            Array.Clear(passwordChars);
        }

        return new PnCertificateAuthority(authority);
    }

    public ValueTask<IssuedPneCertificate?> IssueAsync(string pneId, ReadOnlyMemory<byte> csrDer, CancellationToken cancellationToken)
    {
        try
        {
            // The CA writes the CN itself (the PNE id the pairing authenticated); the CSR only proves the key.
            using var certificate = Authority.IssueClientCertificate(pneId, csrDer.Span);
            return ValueTask.FromResult<IssuedPneCertificate?>(new IssuedPneCertificate(certificate.RawData, Certificate.RawData));
        }
        catch (ArgumentException)
        {
            return ValueTask.FromResult<IssuedPneCertificate?>(null);
        }
    }

    public void Dispose() => Authority.Dispose();

    private static void WriteOwnerOnly(string path, byte[] content)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
