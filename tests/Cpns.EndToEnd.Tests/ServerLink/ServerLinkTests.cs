using Cpns.EndToEnd.Tests.Support;
using Cpns.Gateway;
using Cpns.Gateway.Hosting;
using GatewayServerLink = Cpns.Gateway.ServerLink.ServerLink;
using ServerLinkOptions = Cpns.Gateway.ServerLink.ServerLinkOptions;

namespace Cpns.EndToEnd.Tests.ServerLink;

/// <summary>Enrollment and start-up of the server link against a real server.</summary>
public sealed class ServerLinkTests
{
    [Fact]
    public async Task StartAsync_ValidToken_EnrollsSealsCredentialsAndTokenIsSingleUse()
    {
        await using var bed = await EndToEndBed.StartAsync();
        var token = await bed.TokenAsync("gw-1");
        var directory = bed.NewDirectory("gw-1");
        await using (var host = await StartHostAsync(directory, "gw-1"))
        {
            await using var link = new GatewayServerLink(new ServerLinkOptions { Server = bed.Server.Addresses[0], EnrollmentToken = token });
            await link.StartAsync(host, EndToEndBed.Ct);
            Assert.True(host.Store.HasGatewayKey);
            await Eventually.TrueAsync(() => Task.FromResult(link.IsConnected), "the link to connect");
        }

        var sealedFile = Path.Combine(directory, "server-link.sealed");
        Assert.True(GatewayServerLink.IsEnrolled(directory));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(sealedFile));
        }

        var bytes = await File.ReadAllBytesAsync(sealedFile, EndToEndBed.Ct);
        Assert.DoesNotContain("PRIVATE KEY", System.Text.Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);

        // The same token a second time (another data directory of the same gateway id): refused.
        await using var second = await StartHostAsync(bed.NewDirectory("gw-1-again"), "gw-1");
        await using var again = new GatewayServerLink(new ServerLinkOptions { Server = bed.Server.Addresses[0], EnrollmentToken = token });
        await Assert.ThrowsAsync<GatewayStartupException>(() => again.StartAsync(second, EndToEndBed.Ct));
        Assert.False(GatewayServerLink.IsEnrolled(bed.NewDirectory("gw-1-again")));
    }

    [Fact]
    public async Task StartAsync_WrongToken_RefusedNothingStored()
    {
        await using var bed = await EndToEndBed.StartAsync();
        _ = await bed.TokenAsync("gw-2");
        var directory = bed.NewDirectory("gw-2");
        await using var host = await StartHostAsync(directory, "gw-2");
        await using var link = new GatewayServerLink(new ServerLinkOptions { Server = bed.Server.Addresses[0], EnrollmentToken = "cpnsenr.0000000000000000.wrong" });
        await Assert.ThrowsAsync<GatewayStartupException>(() => link.StartAsync(host, EndToEndBed.Ct));
        Assert.False(host.Store.HasGatewayKey);
        Assert.False(GatewayServerLink.IsEnrolled(directory));
    }

    [Fact]
    public async Task StartAsync_TokenForAnotherGateway_Refused()
    {
        await using var bed = await EndToEndBed.StartAsync();
        var token = await bed.TokenAsync("gw-other");
        await using var host = await StartHostAsync(bed.NewDirectory("gw-3"), "gw-3");
        await using var link = new GatewayServerLink(new ServerLinkOptions { Server = bed.Server.Addresses[0], EnrollmentToken = token });
        var e = await Assert.ThrowsAsync<GatewayStartupException>(() => link.StartAsync(host, EndToEndBed.Ct));
        Assert.Contains("gw-other", e.Message, StringComparison.Ordinal);
        Assert.False(host.Store.HasGatewayKey);
    }

    [Theory]
    [InlineData("http://cpns.example:8080/", "t")]
    [InlineData("http://127.0.0.1:1/", null)]
    public async Task StartAsync_PlainHttpOffLoopbackOrNoToken_RefusedBeforeAnyRequest(string server, string? token)
    {
        using var directory = new TestDirectory();
        await using var host = await StartHostAsync(directory.Path, "gw-4");
        await using var link = new GatewayServerLink(new ServerLinkOptions { Server = new Uri(server), EnrollmentToken = token });
        await Assert.ThrowsAsync<GatewayStartupException>(() => link.StartAsync(host, EndToEndBed.Ct));
    }

    [Fact]
    public async Task StartAsync_ServerUnreachable_RefusedNamingTheServerNothingStored()
    {
        using var directory = new TestDirectory();
        await using var host = await StartHostAsync(directory.Path, "gw-5");
        await using var link = new GatewayServerLink(new ServerLinkOptions { Server = new Uri("http://127.0.0.1:1/"), EnrollmentToken = "cpnsenr.0000000000000000.any" });
        var e = await Assert.ThrowsAsync<GatewayStartupException>(() => link.StartAsync(host, EndToEndBed.Ct));
        Assert.Contains("could not reach the server at http://127.0.0.1:1/", e.Message, StringComparison.Ordinal);
        Assert.False(host.Store.HasGatewayKey);
        Assert.False(GatewayServerLink.IsEnrolled(directory.Path));
    }

    private static Task<GatewayHost> StartHostAsync(string directory, string gatewayId) =>
        GatewayHost.StartAsync(
            new GatewayHostOptions
            {
                Gateway = new GatewayOptions { DataDirectory = directory, TreeHeight = 4 },
                GatewayId = gatewayId,
                PnId = "pn-" + gatewayId,
                Port = 0,
                PairingPort = 0,
            },
            cancellationToken: EndToEndBed.Ct);
}
