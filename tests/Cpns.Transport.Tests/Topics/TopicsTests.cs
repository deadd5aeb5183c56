using CsCheck;

namespace Cpns.Transport.Tests;

public sealed class TopicsTests
{
    [Fact]
    public void Builders_ValidIds_MatchArchitectureTopics()
    {
        Assert.Equal("cpns/v1/gw/gw-1/down", Topics.GatewayDown("gw-1"));
        Assert.Equal("cpns/v1/gw/gw-1/up", Topics.GatewayUp("gw-1"));
        Assert.Equal("cpns/v1/relay/g1/gw-1", Topics.Relay("g1", "gw-1"));
        Assert.Equal("cpns/v1/pn/pn1/groups/g1", Topics.PnGroup("pn1", "g1"));
        Assert.Equal("cpns/v1/pn/pn1/pne/w:1/down", Topics.PneDown("pn1", "w:1"));
        Assert.Equal("cpns/v1/pn/pn1/pne/w.1/up", Topics.PneUp("pn1", "w.1"));
        Assert.Equal("cpns/v1/pn/pn1/messages/g_1", Topics.PnMessages("pn1", "g_1"));
        Assert.Equal("cpns/v1/pn/pn1/pairing/p1/up", Topics.PairingUp("pn1", "p1"));
        Assert.Equal("cpns/v1/pn/pn1/pairing/p1/down", Topics.PairingDown("pn1", "p1"));
        Assert.Equal("pairing/p1", Topics.PairingClientId("p1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("é")]
    [InlineData("$SYS")]
    public void Builders_InvalidId_Throw(string id)
    {
        Assert.Throws<ArgumentException>(() => Topics.GatewayUp(id));
        Assert.Throws<ArgumentException>(() => Topics.PnGroup("pn1", id));
        Assert.False(Topics.IsValidId(id));
    }

    [Fact]
    public void IsValidId_LengthLimit_129Rejected()
    {
        Assert.True(Topics.IsValidId(new string('a', 128)));
        Assert.False(Topics.IsValidId(new string('a', 129)));
    }

    [Fact]
    public void TryParse_EveryBuiltTopic_RoundTrips()
    {
        var id = Gen.String[Gen.Char["abcXYZ019._:-"], 1, 20];
        Gen.Select(id, id, id).Sample((a, b, c) =>
        {
            Assert.True(Topics.TryParse(Topics.GatewayDown(a), out var p) && p == new ParsedTopic(TopicKind.GatewayDown, GatewayId: a));
            Assert.True(Topics.TryParse(Topics.GatewayUp(a), out p) && p == new ParsedTopic(TopicKind.GatewayUp, GatewayId: a));
            Assert.True(Topics.TryParse(Topics.Relay(a, b), out p) && p == new ParsedTopic(TopicKind.Relay, GatewayId: b, GroupId: a));
            Assert.True(Topics.TryParse(Topics.PnGroup(a, b), out p) && p == new ParsedTopic(TopicKind.PnGroup, PnId: a, GroupId: b));
            Assert.True(Topics.TryParse(Topics.PneDown(a, c), out p) && p == new ParsedTopic(TopicKind.PneDown, PnId: a, PneId: c));
            Assert.True(Topics.TryParse(Topics.PneUp(a, c), out p) && p == new ParsedTopic(TopicKind.PneUp, PnId: a, PneId: c));
            Assert.True(Topics.TryParse(Topics.PnMessages(a, b), out p) && p == new ParsedTopic(TopicKind.PnMessages, PnId: a, GroupId: b));
            Assert.True(Topics.TryParse(Topics.PairingUp(a, c), out p) && p == new ParsedTopic(TopicKind.PairingUp, PnId: a, PairingId: c));
            Assert.True(Topics.TryParse(Topics.PairingDown(a, c), out p) && p == new ParsedTopic(TopicKind.PairingDown, PnId: a, PairingId: c));
        });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("cpns/v1")]
    [InlineData("cpns/v1/gw/gw-1")]
    [InlineData("cpns/v1/gw/+/up")]
    [InlineData("cpns/v1/gw/gw-1/sideways")]
    [InlineData("cpns/v2/gw/gw-1/up")]
    [InlineData("cpns/v1/pn/pn1/pne/x/up/extra")]
    [InlineData("cpns/v1/pn//groups/g")]
    public void TryParse_NotAProjectTopic_ReturnsFalse(string? topic)
    {
        Assert.False(Topics.TryParse(topic, out _));
    }
}
