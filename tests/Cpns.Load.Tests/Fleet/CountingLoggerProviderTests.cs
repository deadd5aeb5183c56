using Cpns.Load.Fleet;
using Microsoft.Extensions.Logging;

namespace Cpns.Load.Tests.Fleet;

public sealed class CountingLoggerProviderTests
{
    [Fact]
    public void Log_NotARecipientRefusal_NotCountedButOtherWarningsAre()
    {
        using var logs = new CountingLoggerProvider();
        var logger = logs.CreateLogger("Cpns.Device.Client.DeviceClient");

        // The device's own wording (DeviceClient.Receive): a non-member PNE of the PN cannot open the broadcast, by design.
        logger.LogWarning("Input on {Topic} refused: {Reason} ({Detail})", "cpns/v1/pn/pn-gw00130/groups/g", "GroupKeyNotStored", "NotARecipient at epoch 1");
        logger.LogWarning("Input on {Topic} refused: {Reason} ({Detail})", "cpns/v1/pn/pn-gw00130/groups/g", "GroupKeyNotStored", "BadTag at epoch 1");

        Assert.Equal(1, logs.WarningCount);
        Assert.Contains("BadTag", Assert.Single(logs.WarningMessages), StringComparison.Ordinal);
    }
}
