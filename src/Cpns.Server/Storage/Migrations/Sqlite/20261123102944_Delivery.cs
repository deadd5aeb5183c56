using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Cpns.Server.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Delivery : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "CertificateExpiresAt",
                table: "Gateways",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CertificateSerial",
                table: "Gateways",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "SealedKey",
                table: "Gateways",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "AcknowledgedAt",
                table: "Deliveries",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LastSentAt",
                table: "Deliveries",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastStatus",
                table: "Deliveries",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LeaseExpiresAt",
                table: "Deliveries",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LeaseOwner",
                table: "Deliveries",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "NextAttemptAt",
                table: "Deliveries",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "QueuedAt",
                table: "Deliveries",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.CreateTable(
                name: "Authorities",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Pem = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Authorities", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DeliveryMessages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    MessageId = table.Column<byte[]>(type: "BLOB", maxLength: 16, nullable: false),
                    GroupId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Epoch = table.Column<long>(type: "INTEGER", nullable: false),
                    GatewayId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    SentAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ViaSync = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeliveryMessages", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PneDeliveryReports",
                columns: table => new
                {
                    GroupId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Epoch = table.Column<long>(type: "INTEGER", nullable: false),
                    GatewayId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    PneId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ReportedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PneDeliveryReports", x => new { x.GroupId, x.Epoch, x.GatewayId, x.PneId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_Status_NextAttemptAt",
                table: "Deliveries",
                columns: new[] { "Status", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_DeliveryMessages_GatewayId_MessageId",
                table: "DeliveryMessages",
                columns: new[] { "GatewayId", "MessageId" });

            migrationBuilder.CreateIndex(
                name: "IX_DeliveryMessages_GroupId_Epoch_GatewayId",
                table: "DeliveryMessages",
                columns: new[] { "GroupId", "Epoch", "GatewayId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Authorities");

            migrationBuilder.DropTable(
                name: "DeliveryMessages");

            migrationBuilder.DropTable(
                name: "PneDeliveryReports");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_Status_NextAttemptAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "CertificateExpiresAt",
                table: "Gateways");

            migrationBuilder.DropColumn(
                name: "CertificateSerial",
                table: "Gateways");

            migrationBuilder.DropColumn(
                name: "SealedKey",
                table: "Gateways");

            migrationBuilder.DropColumn(
                name: "AcknowledgedAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LastSentAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LastStatus",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LeaseExpiresAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LeaseOwner",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "NextAttemptAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "QueuedAt",
                table: "Deliveries");
        }
    }
}
