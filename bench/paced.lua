-- replay.lua at a pace: each connection waits args[3] milliseconds before each of its requests, so the
-- messages arrive at about connections * 1000 / args[3] a second whatever the server does with them, as
-- residents' messages arrive at WeChat, instead of as fast as the server answers.
dofile(os.getenv("BENCH_REPLAY_LUA"))

local replay_init = init

function init(args)
  replay_init(args)
  pause = tonumber(args[3])
end

function delay()
  return pause
end
