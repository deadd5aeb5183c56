namespace Cpns.Protocol.Tests;

public sealed class ProtocolErrorTests
{
    [Fact]
    public void Default_IsNoneWithEmptyStrings()
    {
        var error = default(ProtocolError);

        Assert.Equal(ProtocolError.None, error);
        Assert.Equal(ProtocolErrorCode.None, error.Code);
        Assert.Equal(string.Empty, error.Field);
        Assert.Equal(string.Empty, error.Message);
    }

    [Fact]
    public void ToString_WithField_NamesCodeAndField()
    {
        var error = new ProtocolError(ProtocolErrorCode.OutOfRange, "group_key_notification.epoch", "must be at least 1");

        Assert.Equal("OutOfRange at group_key_notification.epoch: must be at least 1", error.ToString());
    }

    [Fact]
    public void ToString_WithoutField_NamesCode() =>
        Assert.Equal("Empty: the input is empty", new ProtocolError(ProtocolErrorCode.Empty, string.Empty, "the input is empty").ToString());

    [Fact]
    public void WithinAndAtIndex_BuildDottedIndexedPath()
    {
        var error = new ProtocolError(ProtocolErrorCode.Duplicate, "member_pne_ids", "repeats an earlier entry")
            .AtIndex(2).Within("latest[0]").Within("sync_response");

        Assert.Equal("sync_response.latest[0].member_pne_ids[2]", error.Field);
    }

    [Fact]
    public void Within_EmptyField_UsesParent() =>
        Assert.Equal("policy", new ProtocolError(ProtocolErrorCode.MissingField, string.Empty, "x").Within("policy").Field);

    [Fact]
    public void Equality_SameValues_Equal() =>
        Assert.Equal(
            new ProtocolError(ProtocolErrorCode.Malformed, "a", "b"),
            new ProtocolError(ProtocolErrorCode.Malformed, "a", "b"));

    [Fact]
    public void Constructor_NullField_Throws() =>
        Assert.Throws<ArgumentNullException>(() => new ProtocolError(ProtocolErrorCode.Malformed, null!, "b"));
}
