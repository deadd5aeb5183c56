using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport.Tests;

public sealed class CertificateAuthorityTests
{
    [Fact]
    public void IssueClientCertificate_CsrNamesAnotherSubject_CnIsTheGivenIdentity()
    {
        using var keyPair = ClientKeyPair.Create();
        var csr = keyPair.CreateSigningRequest("cpns-server"); // the requester claims to be the server

        using var issued = TestPki.Ca.IssueClientCertificate("gw-7", csr);

        Assert.Equal("CN=gw-7", issued.Subject);
        Assert.Equal("gw-7", CertificateNames.GetIdentity(issued));
        Assert.True(TestPki.Ca.ValidatePeerCertificate(issued, CertificatePurpose.Client));
        Assert.False(TestPki.Ca.ValidatePeerCertificate(issued, CertificatePurpose.Server));
    }

    [Fact]
    public void IssueClientCertificate_AttachedToKey_HasPrivateKeyAndClientAuth()
    {
        using var certificate = TestPki.ClientCertificate("pne-1");

        Assert.True(certificate.HasPrivateKey);
        var eku = Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal("1.3.6.1.5.5.7.3.2", Assert.Single(eku.EnhancedKeyUsages.Cast<Oid>()).Value);
        var basic = Assert.Single(certificate.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.False(basic.CertificateAuthority);
    }

    [Fact]
    public void IssueClientCertificate_TamperedCsr_Throws()
    {
        using var keyPair = ClientKeyPair.Create();
        var csr = keyPair.CreateSigningRequest("gw-1");
        csr[^5] ^= 0x01; // inside the signature

        Assert.Throws<ArgumentException>(() => TestPki.Ca.IssueClientCertificate("gw-1", csr));
    }

    [Theory]
    [InlineData("")]
    [InlineData("gw/1")]
    [InlineData("gw+1")]
    [InlineData("CN=x, O=y")]
    public void IssueClientCertificate_InvalidIdentity_Throws(string identity)
    {
        using var keyPair = ClientKeyPair.Create();
        var csr = keyPair.CreateSigningRequest("gw-1");

        Assert.Throws<ArgumentException>(() => TestPki.Ca.IssueClientCertificate(identity, csr));
    }

    [Fact]
    public void ValidatePeerCertificate_IssuedByAnotherCa_ReturnsFalse()
    {
        using var foreign = TestPki.ClientCertificate("gw-1", TestPki.OtherCa);

        Assert.False(TestPki.Ca.ValidatePeerCertificate(foreign, CertificatePurpose.Client));
        Assert.True(TestPki.OtherCa.ValidatePeerCertificate(foreign, CertificatePurpose.Client));
    }

    [Fact]
    public void ValidatePeerCertificate_Expired_ReturnsFalse()
    {
        using var keyPair = ClientKeyPair.Create();
        var now = DateTimeOffset.UtcNow;
        using var expired = TestPki.Ca.IssueClientCertificate("gw-1", keyPair.CreateSigningRequest("gw-1"), now.AddDays(-10), now.AddDays(-1));

        Assert.False(TestPki.Ca.ValidatePeerCertificate(expired, CertificatePurpose.Client));
    }

    [Fact]
    public void ValidatePeerCertificate_TheCaItself_ReturnsFalse()
    {
        Assert.False(TestPki.Ca.ValidatePeerCertificate(TestPki.Ca.Certificate, CertificatePurpose.Client));
    }

    [Fact]
    public void IssueServerCertificate_Default_HasLoopbackNamesAndServerAuth()
    {
        using var server = TestPki.Ca.IssueServerCertificate(["broker.example"]);

        Assert.True(server.HasPrivateKey);
        Assert.True(TestPki.Ca.ValidatePeerCertificate(server, CertificatePurpose.Server));
        Assert.True(server.MatchesHostname("127.0.0.1"));
        Assert.True(server.MatchesHostname("::1"));
        Assert.True(server.MatchesHostname("localhost"));
        Assert.True(server.MatchesHostname("broker.example"));
        Assert.False(server.MatchesHostname("other.example"));
    }

    [Fact]
    public void ImportEncryptedPem_RoundTrip_SameCaIssuesValidCertificates()
    {
        using var ca = CertificateAuthority.Create("Round trip CA");
        var pem = ca.ExportEncryptedPem("correct horse");
        Assert.DoesNotContain("BEGIN PRIVATE KEY", pem, StringComparison.Ordinal);

        using var imported = CertificateAuthority.ImportEncryptedPem(pem, "correct horse");
        using var keyPair = ClientKeyPair.Create();
        using var issued = imported.IssueClientCertificate("gw-1", keyPair.CreateSigningRequest("gw-1"));

        Assert.Equal(ca.Certificate.Thumbprint, imported.Certificate.Thumbprint);
        Assert.True(ca.ValidatePeerCertificate(issued, CertificatePurpose.Client));
        Assert.ThrowsAny<CryptographicException>(() => CertificateAuthority.ImportEncryptedPem(pem, "wrong"));
    }

    [Fact]
    public void AttachCertificate_CertificateForAnotherKey_Throws()
    {
        using var mine = ClientKeyPair.Create();
        using var theirs = ClientKeyPair.Create();
        using var issued = TestPki.Ca.IssueClientCertificate("pne-1", theirs.CreateSigningRequest("pne-1"));

        Assert.Throws<ArgumentException>(() => mine.AttachCertificate(issued));
    }

    [Fact]
    public void ExportEncryptedPem_ClientKey_RoundTripsAndAttaches()
    {
        using var keyPair = ClientKeyPair.Create();
        using var issued = TestPki.Ca.IssueClientCertificate("pne-2", keyPair.CreateSigningRequest("pne-2"));
        var pem = keyPair.ExportEncryptedPem("pw");

        using var reloaded = ClientKeyPair.ImportEncryptedPem(pem, "pw");
        using var certificate = reloaded.AttachCertificate(issued);

        Assert.True(certificate.HasPrivateKey);
    }
}
