/// The console's pages as mustache templates, compiled into the binary: no build step, no files
/// to ship beside it, no external assets. Every label is Chinese and English.
enum AdminTemplates {
    static let layout = #"""
    <!doctype html>
    <html lang="zh-CN">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    {{#refresh}}<meta http-equiv="refresh" content="{{refresh}}">{{/refresh}}
    <title>{{title}} · Switchboard</title>
    <style>
    body{font:14px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
    header{background:#24292f;color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:center}
    header a{color:#fff;text-decoration:none}header b{margin-right:12px}
    main{padding:16px 20px;max-width:1200px}
    table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0 18px}
    th,td{border:1px solid #d0d7de;padding:5px 8px;text-align:left;vertical-align:top}
    th{background:#eef1f4}
    .ok{color:#1a7f37}.bad{color:#cf222e}.muted{color:#656d76}
    .card{display:inline-block;background:#fff;border:1px solid #d0d7de;padding:8px 12px;margin:0 8px 8px 0;vertical-align:top}
    pre{background:#fff;border:1px solid #d0d7de;padding:8px;overflow:auto;max-height:420px}
    form.inline{display:inline}button{cursor:pointer}
    .flash{background:#ddf4ff;border:1px solid #54aeff;padding:6px 10px}.error{background:#ffebe9;border:1px solid #ff8182;padding:6px 10px}
    </style>
    </head>
    <body>
    <header><b>Switchboard</b>
    {{#signedIn}}
    <a href="/admin">概览 Overview</a><a href="/admin/routes">路由 Routes</a><a href="/admin/jobs">任务 Jobs</a><a href="/admin/conversations">会话 Conversations</a>
    <form class="inline" method="post" action="/admin/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button>退出 Sign out</button></form>
    {{/signedIn}}
    </header>
    <main>
    {{#flash}}<p class="flash">{{flash}}</p>{{/flash}}
    {{#error}}<p class="error">{{error}}</p>{{/error}}
    {{{body}}}
    </main>
    </body>
    </html>
    """#

    static let login = #"""
    <h1>登录 Sign in</h1>
    <form method="post" action="/admin/login">
    <label>管理令牌 Admin token <input type="password" name="token" autofocus required></label>
    <button>登录 Sign in</button>
    </form>
    <p class="muted">The token is <code>admin.token</code> in the configuration.</p>
    """#

    static let overview = #"""
    <h1>概览 Overview</h1>
    <p class="muted">配置 Config: {{configFile}}{{#reloadedAt}} · 重新加载于 reloaded at {{reloadedAt}}{{/reloadedAt}}</p>
    <form class="inline" method="post" action="/admin/reload"><input type="hidden" name="csrf" value="{{csrf}}"><button>重新加载配置 Reload configuration</button></form>
    <h2>机器人 Bots</h2>
    <table><tr><th>ID</th><th>平台 Platform</th><th>模式 Mode</th><th>Webhook URL</th><th>最近事件 Last event</th><th>最近投递 Last delivery</th><th>最近错误 Last error</th><th>令牌 Token</th><th>长连接 Connection</th></tr>
    {{#bots}}<tr><td>{{id}}</td><td>{{platform}}</td><td>{{mode}}</td><td><code>{{webhookURL}}</code></td><td>{{lastEvent}}</td><td>{{lastDelivery}}</td><td class="bad">{{lastError}}</td><td>{{token}}</td><td>{{connection}}</td></tr>{{/bots}}
    </table>
    <h2>后端 Backends</h2>
    <table><tr><th>名称 Name</th><th>检查 Check</th><th>详情 Detail</th><th>检查于 Checked at</th></tr>
    {{#backends}}<tr><td>{{name}}</td><td class="{{style}}">{{check}}</td><td>{{detail}}</td><td>{{checkedAt}}</td></tr>{{/backends}}
    </table>
    <form class="inline" method="post" action="/admin/backends/check"><input type="hidden" name="csrf" value="{{csrf}}"><button>检查后端 Check backends</button></form>
    <h2>队列 Queue</h2>
    <div class="card">等待 Pending<br><b>{{queue.pending}}</b></div><div class="card">处理中 Leased<br><b>{{queue.leased}}</b></div><div class="card">最久等待 Oldest pending<br><b>{{oldestPending}}</b></div>
    <h2>最近一小时 Last hour</h2>
    <div class="card">消息 Messages / min<br>{{{messagesChart}}}</div>
    <div class="card">确认延迟 Ack latency (ms, mean)<br>{{{ackChart}}}</div>
    <div class="card">回答时间 Answer time (s, mean)<br>{{{answerChart}}}</div>
    """#

    static let routes = #"""
    <h1>路由 Routes</h1>
    <table><tr><th>#</th><th>规则 Rule</th><th>条件 When</th><th>后端 Backend</th><th>会话范围 Scope</th></tr>
    {{#rules}}<tr><td>{{number}}</td><td>{{name}}</td><td><code>{{description}}</code></td><td>{{backend}}</td><td>{{scope}}</td></tr>{{/rules}}
    </table>
    {{#hasWarnings}}<h2>警告 Warnings</h2><ul>{{#warnings}}<li class="bad">{{.}}</li>{{/warnings}}</ul>{{/hasWarnings}}
    <h2>试一条消息 Try a message</h2>
    <form method="get" action="/admin/routes">
    <label>机器人 Bot <select name="bot">{{#bots}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{id}} ({{platform}})</option>{{/bots}}</select></label>
    <label>会话 Chat <select name="chat"><option value="direct"{{#direct}} selected{{/direct}}>单聊 direct</option><option value="group"{{^direct}} selected{{/direct}}>群聊 group</option></select></label>
    <label>@机器人 Mentions the bot <input type="checkbox" name="mentions" value="1"{{#mentions}} checked{{/mentions}}></label>
    <label>文本 Text <input name="text" size="40" value="{{text}}"></label>
    <input type="hidden" name="try" value="1"><button>路由 Route it</button>
    </form>
    {{#result}}<table><tr><th>结果 Decision</th><th>规则 Rule</th><th>后端 Backend</th><th>范围键 Scope key</th><th>命令 Command</th></tr>
    <tr><td><b>{{decision}}</b></td><td>{{rule}}</td><td>{{backend}}</td><td><code>{{scopeKey}}</code></td><td>{{command}}</td></tr></table>
    <p class="muted">只做路由，不会发送任何内容。Routing only: nothing is sent.</p>{{/result}}
    """#

    static let jobs = #"""
    <h1>任务 Jobs</h1>
    <form method="get" action="/admin/jobs">
    <label>状态 Status <select name="status"><option value="">全部 all</option>{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/statuses}}</select></label>
    <label>机器人 Bot <input name="bot" value="{{bot}}" size="14"></label>
    <label>最近 Within <select name="within">{{#windows}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/windows}}</select></label>
    <button>筛选 Filter</button>
    </form>
    <table><tr><th>任务 Job</th><th>机器人 Bot</th><th>状态 Status</th><th>次数 Attempts</th><th>入队 Enqueued</th><th>文本 Text</th><th>最近错误 Last error</th></tr>
    {{#jobs}}<tr><td><a href="/admin/jobs/{{link}}">{{id}}</a></td><td>{{bot}}</td><td class="{{style}}">{{status}}</td><td>{{attempts}}</td><td>{{enqueued}}</td><td>{{text}}</td><td>{{lastError}}</td></tr>{{/jobs}}
    </table>
    {{^jobs}}<p class="muted">没有任务 No jobs.</p>{{/jobs}}
    """#

    static let job = #"""
    <h1>任务 Job <code>{{summary.id}}</code></h1>
    <p>状态 Status: <b id="status" class="{{style}}">{{summary.status}}</b> · 次数 Attempts: {{summary.attempts}} · 入队 Enqueued: {{enqueued}}{{#finished}} · 结束 Finished: {{finished}}{{/finished}}</p>
    {{#traceID}}<p>Trace ID: <code>{{traceID}}</code></p>{{/traceID}}
    {{#canRetry}}
    <form class="inline" method="post" action="/admin/jobs/{{link}}/retry"><input type="hidden" name="csrf" value="{{csrf}}"><button id="retry">重试 Retry</button></form>
    {{/canRetry}}
    {{#canDiscard}}
    <form class="inline" method="post" action="/admin/jobs/{{link}}/discard"><input type="hidden" name="csrf" value="{{csrf}}"><button id="discard">丢弃 Discard</button></form>
    {{/canDiscard}}
    <h2>路由 Route</h2>
    <p>{{route.decision}} · {{route.rule}} · {{route.backend}} · <code>{{route.scopeKey}}</code></p>
    <h2>尝试 Attempts</h2>
    <table><tr><th>#</th><th>执行者 Owner</th><th>开始 Started</th><th>结束 Ended</th><th>耗时 Took</th><th>结果 Outcome</th><th>错误 Error</th></tr>
    {{#history}}<tr><td>{{attempt}}</td><td>{{owner}}</td><td>{{started}}</td><td>{{ended}}</td><td>{{took}}</td><td>{{outcome}}</td><td class="bad">{{error}}</td></tr>{{/history}}
    </table>
    <h2>事件 Event JSON</h2>
    <pre>{{eventJSON}}</pre>
    {{#replyState}}<h2>回复状态 Reply state</h2><pre>{{replyState}}</pre>{{/replyState}}
    """#

    static let conversations = #"""
    <h1>会话 Conversations</h1>
    <form method="get" action="/admin/conversations">
    <label>范围键 Scope key <input name="key" size="60" value="{{key}}" placeholder="helpdesk|feishu-main|user:ou_…|chat:oc_…"></label>
    <button>查找 Look up</button>
    </form>
    <p class="muted">范围键见任务页的路由一节。The scope key is on a job's page, under Route.</p>
    {{#conversation}}
    <table><tr><th>范围键 Scope key</th><th>后端会话 Backend conversation</th><th>最近使用 Last used</th><th>代数 Generation</th></tr>
    <tr><td><code>{{key}}</code></td><td><code>{{conversationID}}</code></td><td>{{lastUsed}}</td><td>{{generation}}</td></tr></table>
    <form method="post" action="/admin/conversations/reset"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="key" value="{{key}}"><button id="reset">重置会话 Reset</button></form>
    {{/conversation}}
    """#
}
