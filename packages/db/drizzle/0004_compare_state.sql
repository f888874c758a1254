CREATE TABLE "compare_state" (
	"connection_id" uuid NOT NULL,
	"stream" text NOT NULL,
	"key" text NOT NULL,
	"baseline" text,
	"mark" text,
	"mark_pass" integer,
	CONSTRAINT "compare_state_connection_id_stream_key_pk" PRIMARY KEY("connection_id","stream","key")
);
--> statement-breakpoint
ALTER TABLE "compare_state" ADD CONSTRAINT "compare_state_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;