"""Command line: `python -m service.admin create-admin NAME | reset-password NAME | backup DIR | …`."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from service.admin.auth import ROLES, UserExistsError, WeakPasswordError
from service.admin.settings import AdminConfigError, get_admin_settings
from service.admin.state import AdminState
from service.backup import BackupError, backup, sqlite_path
from service.privacy import BareSenderIdError, forget, purge_audit_target, purge_expired
from service.settings import get_settings
from service.store import Store

PASSWORD_ENV = "IPGP_ADMIN_PASSWORD"


def _password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再次输入密码："):
        raise SystemExit("两次输入的密码不一致")
    return first


def cmd_create_user(state: AdminState, args: argparse.Namespace) -> int:
    try:
        state.accounts.create_user(args.username, _password(), args.role)
    except (UserExistsError, WeakPasswordError) as error:
        message = f"用户已存在：{args.username}" if isinstance(error, UserExistsError) else str(error)
        print(message, file=sys.stderr)
        return 1
    state.store.audit("cli", "user_create", f"用户 {args.username}", f"角色 {args.role}")
    print(f"已创建{'管理员' if args.role == 'admin' else '编辑'}账号：{args.username}")
    return 0


def cmd_reset_password(state: AdminState, args: argparse.Namespace) -> int:
    """For the admin who forgot theirs: a new password, their sessions ended, any login wait cleared."""
    user = next((u for u in state.accounts.users() if u.username == args.username), None)
    if user is None:
        print(f"没有这个用户：{args.username}", file=sys.stderr)
        return 1
    try:
        state.accounts.update_user(user.id, password=_password(), unlock=True)
    except WeakPasswordError as error:
        print(error, file=sys.stderr)
        return 1
    state.store.audit("cli", "user_update", f"用户 {args.username}", "password=已重置")
    print(f"已重置密码：{args.username}")
    return 0


def cmd_export(state: AdminState, args: argparse.Namespace) -> int:
    state.export(Path(args.dir))
    state.store.audit("cli", "export", str(args.dir))
    print(f"草稿知识库已导出到 {args.dir}")
    return 0


def cmd_publish(state: AdminState, _: argparse.Namespace) -> int:
    publish_id = state.publisher.start("cli")
    state.store.audit("cli", "publish", f"发布 #{publish_id}")
    state.publisher.wait()
    row = state.publisher.get(publish_id)
    print(row.message if row else "发布记录丢失")
    return 0 if row is not None and row.status == "succeeded" else 1


def cmd_forget(state: AdminState, args: argparse.Namespace) -> int:
    settings = get_settings()
    store = Store(settings.effective_database_url)
    try:
        deleted = forget(store, settings.tracker_db, args.sender_id, all_channels=args.all_channels)
    except BareSenderIdError:
        print(
            f"请写明渠道：web:{args.sender_id}（网站会话标识）或 wechat:{args.sender_id}（微信 openid）；"
            "确实要删除两个渠道中这个标识的数据，请加 --all-channels",
            file=sys.stderr,
        )
        return 2
    finally:
        store.engine.dispose()
    # The audit names the conversation by a digest: the log of deletions should not itself identify people.
    digest = hashlib.sha256(args.sender_id.encode()).hexdigest()[:16]
    state.store.audit("cli", "forget", f"会话 {digest}", deleted.summary())
    print(f"已删除该用户的数据：{deleted.summary()}")
    return 0


def cmd_backup(state: AdminState, args: argparse.Namespace) -> int:
    settings = get_settings()
    stores = {
        "gateway": sqlite_path(settings.effective_database_url),
        "knowledge": sqlite_path(state.admin.database_url(settings)),
        "rasa-tracker": None if settings.scale_out else settings.tracker_db,
    }
    try:
        copied = backup(Path(args.dir), stores)
    except BackupError as error:
        print(error, file=sys.stderr)
        return 1
    for item in copied:
        print(f"{item.name}：{item.file or item.note}")
    state.store.audit("cli", "backup", str(args.dir), "，".join(c.name for c in copied if c.file))
    print(f"备份已写入 {args.dir}（恢复：停止服务，把其中的 *.db 复制到 IPGP_VAR_DIR）")
    return 0


def cmd_purge(state: AdminState, args: argparse.Namespace) -> int:
    settings = get_settings()
    days = args.days if args.days is not None else settings.retention_days
    store = Store(settings.effective_database_url)
    try:
        deleted = purge_expired(store, settings.tracker_db, days)
    finally:
        store.engine.dispose()
    state.store.audit("cli", "purge", purge_audit_target(days), deleted.summary())
    print(f"已删除 {days} 天以前的数据：{deleted.summary()}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m service.admin", description="知识库管理后台命令")
    commands = root.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help=f"创建管理员（密码从提示或 {PASSWORD_ENV} 读取）")
    create.add_argument("username")
    create.set_defaults(func=cmd_create_user, role="admin")
    user = commands.add_parser("create-user", help="创建账号，可指定角色")
    user.add_argument("username")
    user.add_argument("--role", choices=ROLES, default="editor")
    user.set_defaults(func=cmd_create_user)
    reset = commands.add_parser("reset-password", help=f"重置账号密码（新密码从提示或 {PASSWORD_ENV} 读取）")
    reset.add_argument("username")
    reset.set_defaults(func=cmd_reset_password)
    out = commands.add_parser("export", help="把草稿知识库按 knowledge/ 的文件格式写出")
    out.add_argument("dir")
    out.set_defaults(func=cmd_export)
    commands.add_parser("publish", help="构建并上线草稿（与后台“发布”相同）").set_defaults(func=cmd_publish)
    commands.add_parser("migrate", help="只执行数据库迁移和首次导入").set_defaults(func=lambda s, a: 0)
    gone = commands.add_parser(
        "forget", help="删除一个用户（web:会话标识 或 wechat:openid）的全部数据，并记入审计日志"
    )
    gone.add_argument("sender_id")
    gone.add_argument("--all-channels", action="store_true", help="不带渠道的标识：两个渠道中的都删除")
    gone.set_defaults(func=cmd_forget)
    save = commands.add_parser("backup", help="在线备份所有 SQLite 数据库（网关、知识库、Rasa 会话）到目录")
    save.add_argument("dir")
    save.set_defaults(func=cmd_backup)
    old = commands.add_parser("purge", help="删除超过保存期限（IPGP_RETENTION_DAYS）的对话、反馈、转介")
    old.add_argument("--days", type=int, default=None)
    old.set_defaults(func=cmd_purge)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings, admin = get_settings(), get_admin_settings()
        admin.check(settings)
        state = AdminState.build(settings, admin)
    except AdminConfigError as error:
        print(error, file=sys.stderr)
        return 2
    state.startup()
    try:
        code: int = args.func(state, args)
        return code
    finally:
        state.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
