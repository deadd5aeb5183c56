using System.Net;

namespace Cpns.Transport.Tests;

public sealed class MqttBrokerEndpointTests
{
    [Theory]
    [InlineData("mqtts://127.0.0.1:1234", "127.0.0.1", 1234)]
    [InlineData("mqtts://broker.example", "broker.example", 8883)]
    [InlineData("MQTTS://Broker.Example:8884/", "broker.example", 8884)]
    [InlineData("mqtts://[::1]:9000", "::1", 9000)]
    public void Parse_Valid_HostAndPort(string text, string host, int port)
    {
        var endpoint = MqttBrokerEndpoint.Parse(text);

        Assert.Equal(host, endpoint.Host);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(endpoint, MqttBrokerEndpoint.Parse(endpoint.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("mqtt://127.0.0.1:1883")]
    [InlineData("tcp://127.0.0.1:1883")]
    [InlineData("127.0.0.1:8883")]
    [InlineData("mqtts://user:pw@host:8883")]
    [InlineData("mqtts://host:8883/path")]
    [InlineData("mqtts://host:8883?x=1")]
    [InlineData("mqtts://host:0")]
    [InlineData("mqtts://host:70000")]
    public void TryParse_Invalid_ReturnsFalse(string text)
    {
        Assert.False(MqttBrokerEndpoint.TryParse(text, out _));
        Assert.Throws<FormatException>(() => MqttBrokerEndpoint.Parse(text));
    }

    [Fact]
    public void FromIPEndPoint_IPv6_ToStringBracketed()
    {
        var endpoint = MqttBrokerEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.IPv6Loopback, 1883));

        Assert.Equal("mqtts://[::1]:1883", endpoint.ToString());
    }
}
