using System.Text;
using Cpns.Device.Messaging;
using Cpns.EndToEnd.Tests.Support;

namespace Cpns.EndToEnd.Tests;

/// <summary>Group messages cross PNs: PNE → its PN GW → the server broker's relay topic → the other PN GW → its PNEs.</summary>
public sealed class GroupMessageRelayTests
{
    [Fact]
    public async Task SendAsync_MemberInOnePn_MemberInTheOtherPnOpensIt()
    {
        await using var bed = await EndToEndBed.StartAsync();
        var a = await bed.GatewayAsync("gw-a", "a1");
        var b = await bed.GatewayAsync("gw-b", "b1");
        var group = await bed.CreateGroupAsync((a, "a1"), (b, "b1"));
        await Eventually.TrueAsync(async () => await a.EpochAsync("a1", group) == 1 && await b.EpochAsync("b1", group) == 1, "both members at epoch 1");

        await a.Devices["a1"].SendAsync(group, Encoding.UTF8.GetBytes("hello from pn a"), TestContext.Current.CancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        GroupMessageReceipt? opened = null;
        await foreach (var receipt in b.Devices["b1"].ReadMessagesAsync(timeout.Token))
        {
            if (receipt.Status == GroupMessageStatus.Opened)
            {
                opened = receipt;
                break;
            }
        }

        Assert.NotNull(opened);
        Assert.Equal("hello from pn a", Encoding.UTF8.GetString(opened.Payload.Span));
        Assert.Equal("a1", opened.SenderPneId);
    }
}
