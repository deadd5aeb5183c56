using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport.Tests;

/// <summary>
/// Inputs the fuzzer (fuzz/, targets retained-messages and pne-csr) turned into findings, kept as ordinary tests:
/// each must be refused with the decoder's documented exception and without costing more than the input holds.
/// </summary>
public sealed class FuzzRegressionTests
{
    // "CPNSRET1", one message, topic "t", QoS 1, then a payload length of 0x0FFFFFFF (MQTT's largest) and no payload.
    private static readonly byte[] PayloadLengthBeyondFile =
        [.. "CPNSRET1"u8, 1, 0, 0, 0, 1, 0, 0, 0, (byte)'t', 1, 0xFF, 0xFF, 0xFF, 0x0F];

    // "CPNSRET1" and a count of 1,000,000 messages, with none following.
    private static readonly byte[] HugeCountEmptyFile = [.. "CPNSRET1"u8, 0x40, 0x42, 0x0F, 0x00];

    [Fact]
    public void Parse_PayloadLengthBeyondFile_RefusesWithoutAllocatingThePayload()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<InvalidDataException>(() => RetainedMessageFile.Parse(PayloadLengthBeyondFile));

        // Before the fix BinaryReader.ReadBytes allocated the claimed 256 MiB for this 22-byte file.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Parse_HugeCountInAnEmptyFile_RefusesWithoutReservingTheList()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<InvalidDataException>(() => RetainedMessageFile.Parse(HugeCountEmptyFile));

        // Before the fix the list was sized for the claimed count: 8 MB of references for a 12-byte file.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public async Task LoadAsync_PayloadLengthBeyondFile_ThrowsInvalidData()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cpns-retained-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, PayloadLengthBeyondFile, TestContext.Current.CancellationToken);
        try
        {
            await Assert.ThrowsAsync<InvalidDataException>(() => new RetainedMessageFile(path).LoadAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // P-256's curve OID 1.2.840.10045.3.1.7 made 1.2.829... (OpenSSL: PlatformNotSupportedException), and the
    // signature algorithm ecdsa-with-SHA256 1.2.840.10045.4.3.2 made ...4.3.127 (.NET: NotSupportedException).
    [Theory]
    [InlineData(new byte[] { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 }, 4, 0x3D)]
    [InlineData(new byte[] { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02 }, 9, 0x7F)]
    public void IssueClientCertificate_AlgorithmOrCurveNobodyKnows_ThrowsArgumentException(byte[] oid, int index, byte value)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=pne-a1", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        var at = csr.AsSpan().IndexOf(oid);
        Assert.True(at >= 0);
        csr[at + index] = value;

        // Before the fix the exception escaped the documented ArgumentException.
        Assert.Throws<ArgumentException>(() => TestPki.Ca.IssueClientCertificate("pne-a1", csr));
    }
}
