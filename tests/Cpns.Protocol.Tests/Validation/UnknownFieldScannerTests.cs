using Cpns.Protocol.Validation;
using Cpns.Protocol.V1;
using Google.Protobuf;

namespace Cpns.Protocol.Tests.Validation;

public sealed class UnknownFieldScannerTests
{
    public static TheoryData<Envelope.BodyOneofCase> BodyCases => Samples.BodyCases;

    [Theory]
    [MemberData(nameof(BodyCases))]
    public void Scan_ValidSample_NoError(Envelope.BodyOneofCase body) =>
        Assert.Null(UnknownFieldScanner.Scan(Samples.Encoded(body), Envelope.Descriptor));

    [Fact]
    public void Scan_UnknownFieldInSecondListEntry_PathHasIndex()
    {
        var sample = Samples.For(Envelope.BodyOneofCase.SyncRequest);
        var entry = Wire.Concat(sample.SyncRequest.Known[1].ToByteArray(), Wire.VarintField(3, 1));
        sample.SyncRequest.Known[1] = GroupEpoch.Parser.ParseFrom(entry);

        var error = UnknownFieldScanner.Scan(sample.ToByteArray(), Envelope.Descriptor);

        Assert.Equal(ProtocolErrorCode.UnknownField, error?.Code);
        Assert.Equal("sync_request.known[1].3", error?.Field);
    }

    [Fact]
    public void Scan_Fixed32ForVarintField_UnknownField()
    {
        var input = Wire.Concat(Wire.Tag(4, WireFormat.WireType.Fixed32), [1, 0, 0, 0]);

        var error = UnknownFieldScanner.Scan(input, Envelope.Descriptor);

        Assert.Equal(ProtocolErrorCode.UnknownField, error?.Code);
        Assert.Equal("4", error?.Field);
    }

    [Theory]
    [InlineData(new byte[] { 0x08 })] // tag without value
    [InlineData(new byte[] { 0x12, 0x05, 0x01 })] // length beyond input
    [InlineData(new byte[] { 0x00 })] // field number 0
    [InlineData(new byte[] { 0x0F })] // wire type 7
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })] // varint too long
    public void Scan_BrokenStructure_MalformedWithoutThrowing(byte[] input) =>
        Assert.Equal(ProtocolErrorCode.Malformed, UnknownFieldScanner.Scan(input, Envelope.Descriptor)?.Code);
}
