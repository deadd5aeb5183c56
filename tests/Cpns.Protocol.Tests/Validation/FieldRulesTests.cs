using Cpns.Protocol.Validation;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Cpns.Protocol.Tests.Validation;

public sealed class FieldRulesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("ABCxyz019._:-")]
    [InlineData("urn:cpns:pne:0001")]
    public void Identifier_AllowedCharacters_Valid(string value) =>
        Assert.Null(FieldRules.Identifier(value, "id"));

    [Fact]
    public void Identifier_128Characters_Valid() =>
        Assert.Null(FieldRules.Identifier(new string('x', 128), "id"));

    [Theory]
    [InlineData(" a")]
    [InlineData("a/b")]
    [InlineData("a\0b")]
    [InlineData("é")]
    [InlineData("a+b")]
    public void Identifier_ForbiddenCharacter_InvalidIdentifier(string value) =>
        Assert.Equal(ProtocolErrorCode.InvalidIdentifier, FieldRules.Identifier(value, "id")?.Code);

    [Fact]
    public void Identifier_Empty_MissingField() =>
        Assert.Equal(ProtocolErrorCode.MissingField, FieldRules.Identifier(string.Empty, "id")?.Code);

    [Fact]
    public void OptionalIdentifier_Empty_Valid() =>
        Assert.Null(FieldRules.OptionalIdentifier(string.Empty, "id"));

    [Fact]
    public void Count_OverMaxListEntries_InvalidLength()
    {
        // 2^24 + 1 entries cannot fit in a message under MaxMessageSize; the rule is checked directly.
        var error = FieldRules.Count(ProtocolLimits.MaxListEntries + 1, "member_pne_ids", minCount: 1);

        Assert.Equal(ProtocolErrorCode.InvalidLength, error?.Code);
        Assert.Null(FieldRules.Count(ProtocolLimits.MaxListEntries, "member_pne_ids", minCount: 1));
    }

    [Fact]
    public void IdentifierList_Duplicate_DuplicateAtSecondIndex()
    {
        var values = new RepeatedField<string> { "a", "b", "a" };

        var error = FieldRules.IdentifierList(values, "ids", minCount: 0);

        Assert.Equal(ProtocolErrorCode.Duplicate, error?.Code);
        Assert.Equal("ids[2]", error?.Field);
    }

    [Fact]
    public void IdentifierList_DifferentCase_NotDuplicate() =>
        Assert.Null(FieldRules.IdentifierList(["pne-A", "pne-a"], "ids", minCount: 0));

    [Theory]
    [InlineData("")]
    [InlineData("Kitchen speaker")]
    [InlineData("Ma montre ⌚")]
    [InlineData("👨‍👩‍👧 tablet")] // emoji joined by ZWJ
    [InlineData("東京のスピーカー")]
    public void Text_Printable_Valid(string value) =>
        Assert.Null(FieldRules.Text(value, "alias", 0, 64));

    [Theory]
    [InlineData("tab\there")]
    [InlineData("new\nline")]
    [InlineData("\u202Egnp.exe")]
    [InlineData("soft\u00ADhyphen")]
    [InlineData("private\uE000use")]
    [InlineData("replacement\uFFFD")]
    [InlineData("lone\uD800surrogate")]
    [InlineData("line\u2028separator")]
    public void Text_NonPrintable_InvalidText(string value) =>
        Assert.Equal(ProtocolErrorCode.InvalidText, FieldRules.Text(value, "alias", 0, 64)?.Code);

    [Fact]
    public void Text_64AstralCharacters_ValidAnd65Invalid()
    {
        // The limit counts characters (Unicode scalar values), not UTF-16 units: 64 emoji are 128 chars.
        var sixtyFour = string.Concat(Enumerable.Repeat("🔊", 64));

        Assert.Null(FieldRules.Text(sixtyFour, "alias", 0, 64));
        Assert.Equal(ProtocolErrorCode.InvalidText, FieldRules.Text(sixtyFour + "🔊", "alias", 0, 64)?.Code);
    }

    [Fact]
    public void Enum_UnspecifiedAndUndefined_MissingFieldAndUnknownEnumValue()
    {
        Assert.Equal(ProtocolErrorCode.MissingField, FieldRules.Enum(V1.Status.Unspecified, "status")?.Code);
        Assert.Equal(ProtocolErrorCode.UnknownEnumValue, FieldRules.Enum((V1.Status)(-5), "status")?.Code);
        Assert.Null(FieldRules.Enum(V1.Status.InternalError, "status"));
    }

    [Fact]
    public void Der_SequenceWithWrongTag_InvalidFormat()
    {
        // A well-formed DER SET (0x31) where a SEQUENCE is expected.
        var set = ByteString.CopyFrom(0x31, 0x03, 0x02, 0x01, 0x05);

        Assert.Equal(ProtocolErrorCode.InvalidFormat, FieldRules.Der(set, 100, "cert")?.Code);
        Assert.Null(FieldRules.Der(ByteString.CopyFrom(0x30, 0x03, 0x02, 0x01, 0x05), 100, "cert"));
    }

    [Theory]
    [InlineData(new byte[] { 0x30 })]
    [InlineData(new byte[] { 0x30, 0x80, 0x00, 0x00 })] // indefinite length is BER, not DER
    [InlineData(new byte[] { 0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData(new byte[] { 0x30, 0x81, 0x01, 0x00 })] // non-minimal length
    public void Der_MalformedEncoding_InvalidFormatWithoutThrowing(byte[] value) =>
        Assert.Equal(ProtocolErrorCode.InvalidFormat, FieldRules.Der(ByteString.CopyFrom(value), 100, "cert")?.Code);

    [Fact]
    public void RandomId_AllZeros_InvalidFormat() =>
        Assert.Equal(ProtocolErrorCode.InvalidFormat, FieldRules.RandomId(ByteString.CopyFrom(new byte[16]), "message_id")?.Code);

    [Fact]
    public void Epoch_Zero_OutOfRange()
    {
        Assert.Equal(ProtocolErrorCode.OutOfRange, FieldRules.Epoch(0, "epoch")?.Code);
        Assert.Null(FieldRules.Epoch(1, "epoch"));
    }
}
